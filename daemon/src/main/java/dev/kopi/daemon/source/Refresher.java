package dev.kopi.daemon.source;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

import dev.kopi.daemon.KopiException;
import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.postgres.AdminConnection;
import dev.kopi.daemon.postgres.DataDirectory;
import dev.kopi.daemon.postgres.Hba;
import dev.kopi.daemon.postgres.InstanceSpec;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.postgres.Postmaster;
import dev.kopi.daemon.postgres.RuntimeDirs;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.storage.StorageBackend;
import dev.kopi.daemon.storage.StorageErrors;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.sys.Posix;

/**
 * Builds a prepared snapshot of a source: fill a staging volume (a native snapshot or copy of a
 * data directory, pg_basebackup of a live server, a fresh cluster for a dump or seed scripts),
 * start Postgres on it once (recovery to a consistent state; restoring the dump or running the
 * seed), run the transforms (masking), shut it down cleanly, seal it read-only and publish it in
 * the catalog. Any failure removes the staging volumes and leaves published snapshots as they
 * were; a kopid killed midway leaves staging volumes that its next start removes.
 */
public final class Refresher {
    private static final Logger LOG = Logger.getLogger(Refresher.class.getName());
    private static final DateTimeFormatter TAG = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    /** Staging instances listen on no TCP port; this number only names their socket file. */
    private static final int STAGING_PORT = 5432;

    private final StorageBackend backend;
    private final Postmaster postmaster;
    private final Catalog catalog;
    private final ProcessRunner runner;
    private final RuntimeDirs runtime;
    private final Clock clock;
    private final Staging staging;
    private final PgTools tools;
    private final SqlScripts scripts;

    public Refresher(StorageBackend backend, Postmaster postmaster, Catalog catalog, ProcessRunner runner,
                     RuntimeDirs runtime, Clock clock) {
        this(backend, postmaster, catalog, runner, runtime, clock, 0);
    }

    /** @param minFree pool.min_free: a refresh that would leave less free is refused up front */
    public Refresher(StorageBackend backend, Postmaster postmaster, Catalog catalog, ProcessRunner runner,
                     RuntimeDirs runtime, Clock clock, long minFree) {
        this.tools = new PgTools(runner, postmaster);
        this.scripts = new SqlScripts(tools);
        this.staging = new Staging(backend, postmaster, tools, scripts, minFree);
        this.backend = backend;
        this.postmaster = postmaster;
        this.catalog = catalog;
        this.runner = runner;
        this.runtime = runtime;
        this.clock = clock;
    }

    /** What the verification start learned about the snapshot. */
    private record Facts(String superuser, String database, long sizeBytes) {
    }

    /**
     * Where a snapshot taken of a clone comes from, and the clone's own login roles, which are
     * disabled in the snapshot so the clone's password does not open the clones made from it.
     */
    public record Lineage(String parent, String fromClone, String message, List<String> disableRoles) {
    }

    public SnapshotRecord refresh(Source source, Progress progress) {
        return refresh(source, progress, null);
    }

    /**
     * Builds a snapshot of {@code source}; with a lineage, of a clone's data directory. A seed
     * source whose scripts, transforms and version are unchanged since its newest snapshot is
     * not built again: that snapshot is returned (see {@link #upToDate}).
     */
    public SnapshotRecord refresh(Source source, Progress progress, Lineage lineage) {
        Fill fill = switch (source.kind()) {
            case DATADIR -> new DatadirFill(source, staging);
            case BASEBACKUP -> new BasebackupFill(source, new SourceServer(source, tools), staging);
            case DUMP -> new DumpFill(source, new SourceServer(source, tools), staging);
            case SEED -> new SeedFill(source, staging);
        };
        fill.check(progress);
        return build(source, fill, progress, lineage);
    }

    /**
     * The newest snapshot of a seed source if it was built from exactly what a refresh would use
     * now; empty otherwise (and for every other kind of source).
     */
    public Optional<SnapshotRecord> upToDate(Source source) {
        if (source.kind() != Source.Kind.SEED) {
            return Optional.empty();
        }
        String hash = SeedFill.seedHash(source, postmaster.binaries().newest());
        return dev.kopi.daemon.SnapshotLookup.ofSource(catalog, source.name()).stream().findFirst()
                .filter(s -> hash.equals(s.seedHash()));
    }

    private SnapshotRecord build(Source source, Fill fill, Progress progress, Lineage lineage) {
        long t0 = System.nanoTime();
        String tag = newTag(source.name());
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String prefix = source.name().length() > 50 ? source.name().substring(0, 50) : source.name();
        VolumeId staging = VolumeId.staging(prefix + "-" + id); // at most 59 characters
        VolumeId target = VolumeId.snapshot(source.name(), tag);
        boolean sealed = false;
        try {
            Path stagingPath = fill.make(staging, id, progress);
            progress.report("prepare", "preparing the data directory", 0, 0);
            prepare(stagingPath, fill.original);
            progress.report("verify", fill.verifyMessage(), 0, 0);
            Facts facts = verify(source, fill, id, stagingPath, lineage == null ? List.of() : lineage.disableRoles(),
                    progress);
            progress.report("publish", "publishing " + target.name() + "@" + tag, 0, 0);
            // From here the target may exist even if seal fails half-way: clean it up as well.
            sealed = true;
            backend.seal(staging, target);
            SnapshotRecord record = new SnapshotRecord(source.name(), tag, clock.instant().toString(), fill.version,
                    facts.superuser(), facts.database(), facts.sizeBytes(), (System.nanoTime() - t0) / 1_000_000);
            if (lineage != null) {
                record = record.branchedFrom(lineage.parent(), lineage.fromClone(), lineage.message());
            }
            if (fill.seedHash != null) {
                record = record.withSeedHash(fill.seedHash);
            }
            catalog.putSnapshot(record);
            LOG.info("published snapshot " + record.name() + " (" + facts.sizeBytes() + " bytes) in "
                    + record.buildMs() + " ms");
            return record;
        } catch (IOException e) {
            cleanup(staging, target, sealed);
            throw StorageErrors.wrap("snapshot source " + source.name(), e);
        } catch (RuntimeException e) {
            cleanup(staging, target, sealed);
            throw e;
        } finally {
            fill.cleanup();
        }
    }

    private void cleanup(VolumeId staging, VolumeId target, boolean sealed) {
        try {
            this.staging.destroyQuietly(staging); // a no-op when seal got as far as consuming it
            if (sealed) {
                backend.destroy(target); // never published: the catalog write is the last step
            }
        } catch (RuntimeException e) {
            // Reconcile on the next start removes whatever is left; the original error matters more.
            LOG.warning("cleanup after a failed refresh left debris: " + e.getMessage());
        }
    }

    /** A UTC timestamp tag, unique among the source's snapshots. */
    private String newTag(String source) {
        String base = TAG.format(clock.instant());
        String tag = base;
        java.util.List<VolumeId> volumes = backend.list(); // on ZFS an unmounted volume has no path on disk
        for (int i = 2; catalog.snapshot(source + "@" + tag).isPresent()
                || volumes.contains(VolumeId.snapshot(source, tag)); i++) {
            tag = base + "-" + i;
        }
        return tag;
    }

    /**
     * Makes the staging copy a data directory that starts on its own: no stale pid file, no
     * standby/recovery signal (a clone must never follow the source's primary), tablespace links
     * relative to itself, a real pg_wal, owned by the postgres user and mode 0700.
     */
    private void prepare(Path dir, Path original) throws IOException {
        for (String f : List.of("postmaster.pid", "postmaster.opts", "standby.signal", "recovery.signal")) {
            Files.deleteIfExists(dir.resolve(f));
        }
        for (String f : List.of("postgresql.conf", "pg_ident.conf")) {
            // Debian-style clusters keep their config in /etc: an empty file means built-in defaults.
            Path p = dir.resolve(f);
            if (!Files.exists(p)) {
                Files.createFile(p);
            }
        }
        DataDirectory dd = new DataDirectory(dir);
        for (DataDirectory.Tablespace t : dd.tablespaces()) {
            // A copied link still names the original's absolute path (or, after pg_basebackup,
            // the copy's own): point it inside the copy, relatively, so every clone uses its own.
            Path inCopy = original != null && t.target().startsWith(original)
                    ? dir.resolve(original.relativize(t.target())) : t.target();
            if (!inCopy.startsWith(dir)) {
                throw KopiException.precondition("tablespace " + t.oid() + " of the copy is at " + t.target()
                        + ", outside the copy");
            }
            Files.deleteIfExists(t.link());
            Files.createSymbolicLink(t.link(), t.link().getParent().relativize(inCopy));
        }
        if (dd.walIsLinked()) {
            // Only reachable for a stopped source snapshotted natively: its WAL lives elsewhere.
            Path wal = dir.resolve("pg_wal");
            Path real = wal.toRealPath();
            TreeCopier.requireSameOwner(original, real);
            Files.delete(wal);
            Files.createDirectory(wal);
            new TreeCopier(postmaster.user(), Progress.NONE).copy(real, wal);
        }
        OsUser u = postmaster.user();
        if (((Number) Files.getAttribute(dir, "unix:uid")).intValue() != u.uid()) {
            chownTree(dir, u);
        }
        Posix.chown(dir, u.uid(), u.gid());
        Posix.chmod(dir, 0700);
    }

    private static void chownTree(Path dir, OsUser u) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Posix.chown(d, u.uid(), u.gid());
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Posix.chown(f, u.uid(), u.gid());
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Starts Postgres on the staging copy (Unix socket only), finds the bootstrap superuser, loads
     * the data (for dump and seed sources), runs the transforms, learns the main database and the
     * size, checkpoints, and shuts down cleanly (fast shutdown writes a shutdown checkpoint: clones
     * then start with no WAL to replay).
     */
    private Facts verify(Source source, Fill fill, String id, Path dir, List<String> disableRoles, Progress progress)
            throws IOException {
        Path socketDir = runtime.createSocketDir(runtime.stagingSocketDir(id), postmaster.user());
        Path hbaFile = runtime.hbaFile("s" + id);
        runtime.writeHba(hbaFile, Hba.forStaging());
        Path log = runtime.logFile("refresh-" + source.name());
        boolean scrub = !source.settings().transforms().isEmpty();
        Map<String, String> settings = new java.util.HashMap<>(scrub ? scrubSettings(fill.version) : Map.of());
        // No fsync on a staging instance: after a copy of a running server, startup would fsync
        // every file of the copy (gigabytes) for crash safety a staging volume does not need (a
        // crash discards it), and the seal, a Btrfs or ZFS snapshot, commits all data anyway.
        settings.put("fsync", "off");
        InstanceSpec spec = new InstanceSpec("kopi-refresh-" + source.name(), dir, fill.version, STAGING_PORT, "",
                socketDir, hbaFile, log, Map.copyOf(settings));
        try {
            postmaster.start(spec);
            StagingInstance inst = new StagingInstance(dir, fill.version, socketDir, STAGING_PORT,
                    superuser(source, socketDir, fill.originalOwner));
            fill.load(inst, progress);
            String database = mainDatabase(databases(inst));
            if (!source.settings().transforms().isEmpty()) {
                scripts.run(inst, database, source.settings().transforms().stream().map(Path::of).toList(),
                        "transform", progress);
                progress.report("scrub", "rewriting " + database + " so no pre-transform value stays on disk", 0, 0);
            }
            progress.report("verify", "checkpointing and shutting down cleanly", 0, 0);
            long size = finish(inst, database, disableRoles, scrub);
            postmaster.stop(dir);
            String state = clusterState(dir, fill.version);
            if (!state.equals("shut down")) {
                throw KopiException.internal("snapshot of " + source.name() + " is in state '" + state
                        + "' after a clean shutdown; see " + log, null);
            }
            return new Facts(inst.superuser(), database, size);
        } finally {
            postmaster.stop(dir);
            runtime.removeSocketDir(socketDir);
            runtime.deleteQuietly(hbaFile);
        }
    }

    /** The bootstrap superuser (role OID 10), found by trying the likely role names in turn. */
    private String superuser(Source source, Path socketDir, String originalOwner) {
        Set<String> candidates = new LinkedHashSet<>();
        if (source.superuser() != null) {
            candidates.add(source.superuser());
        }
        if (originalOwner != null) {
            candidates.add(originalOwner);
        }
        candidates.add("postgres");
        SQLException last = null;
        for (String user : candidates) {
            try (Connection c = AdminConnection.open(socketDir, STAGING_PORT, user, "template1", 30);
                 Statement st = c.createStatement()) {
                return one(st, "SELECT rolname FROM pg_authid WHERE oid = 10");
            } catch (SQLException e) {
                last = e;
                if (!"28000".equals(e.getSQLState())) { // not "role does not exist"
                    break;
                }
            }
        }
        throw KopiException.precondition("cannot connect to the snapshot of " + source.name() + " as "
                + String.join(" or ", candidates) + " (" + (last == null ? "" : last.getMessage())
                + "); set the source's superuser");
    }

    private static List<String> databases(StagingInstance inst) {
        try (Connection c = AdminConnection.open(inst.socketDir(), inst.port(), inst.superuser(), "template1", 30);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT datname FROM pg_database WHERE datallowconn "
                     + "AND NOT datistemplate ORDER BY datname")) {
            List<String> dbs = new ArrayList<>();
            while (rs.next()) {
                dbs.add(rs.getString(1));
            }
            return dbs;
        } catch (SQLException e) {
            throw KopiException.precondition("cannot list the databases of the new snapshot: " + e.getMessage());
        }
    }

    /**
     * Settings of a staging instance whose data is transformed: WAL segments are removed, not
     * recycled (a recycled segment keeps the old records' bytes), and none are kept for standbys.
     */
    private static Map<String, String> scrubSettings(String version) {
        int major = majorOf(version);
        if (major >= 13) {
            return Map.of("wal_recycle", "off", "wal_keep_size", "0");
        }
        return major >= 12 ? Map.of("wal_recycle", "off") : Map.of();
    }

    /**
     * The last steps on the staging instance: drop replication slots (a slot in a clone would hold
     * WAL forever), disable the given roles, and after transforms scrub the main database; then
     * checkpoint. Returns the size of all databases.
     *
     * <p>Scrubbing is why masking can be trusted: an UPDATE leaves the old row version in the
     * table file and in WAL full-page images, and ANALYZE keeps sample values in pg_statistic.
     * ANALYZE on the masked data, then VACUUM FULL (every table and pg_statistic rewritten, the
     * old files unlinked), then a WAL segment switch and a checkpoint, which with wal_recycle off
     * deletes every segment written before.
     */
    private static long finish(StagingInstance inst, String database, List<String> disableRoles, boolean scrub) {
        try (Connection c = AdminConnection.open(inst.socketDir(), inst.port(), inst.superuser(), "template1", 30);
             Statement st = c.createStatement()) {
            st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots");
            for (String role : disableRoles) {
                // Roles are cluster-wide: one statement covers every database. The role may
                // own objects, so it is kept, without login and password.
                st.execute("ALTER ROLE \"" + role.replace("\"", "\"\"") + "\" NOLOGIN PASSWORD NULL");
            }
            if (scrub) {
                try (Connection db = AdminConnection.open(inst.socketDir(), inst.port(), inst.superuser(), database,
                        30); Statement dst = db.createStatement()) {
                    db.setNetworkTimeout(Runnable::run, 0); // rewriting a large database takes as long as it takes
                    dst.execute("ANALYZE");
                    dst.execute("VACUUM FULL");
                }
                st.execute("SELECT pg_switch_wal()");
                st.execute("CHECKPOINT");
            }
            long size = Long.parseLong(one(st, "SELECT sum(pg_database_size(oid))::bigint FROM pg_database"));
            st.execute("CHECKPOINT");
            return size;
        } catch (SQLException e) {
            throw KopiException.precondition("cannot finish the new snapshot: " + e.getMessage());
        }
    }

    /** The one application database if there is exactly one, else "postgres". */
    static String mainDatabase(List<String> databases) {
        List<String> apps = databases.stream().filter(d -> !d.equals("postgres")).toList();
        if (apps.size() == 1) {
            return apps.get(0);
        }
        return databases.contains("postgres") || databases.isEmpty() ? "postgres" : databases.get(0);
    }

    private static String one(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** "Database cluster state" as pg_controldata reports it, e.g. "shut down". */
    private String clusterState(Path dir, String version) throws IOException {
        ProcessRunner.Result r = runner.run(postmaster.user().wrap(List.of(
                postmaster.binaries().tool(version, "pg_controldata").toString(), "-D", dir.toString())),
                Duration.ofSeconds(30));
        if (!r.ok()) {
            throw KopiException.internal("cannot read the control file of " + dir + ": " + r.describe(), null);
        }
        for (String line : r.stdout().split("\n")) {
            if (line.startsWith("Database cluster state:")) {
                return line.substring(line.indexOf(':') + 1).strip();
            }
        }
        throw KopiException.internal("pg_controldata printed no cluster state for " + dir, null);
    }

    static int majorOf(String version) {
        return Integer.parseInt(version.split("\\.")[0]);
    }

    /** For tests: the instant a tag would carry. */
    static String tagOf(Instant instant) {
        return TAG.format(instant);
    }
}
