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
 * Builds a prepared snapshot of a source: fill a staging volume (one native snapshot when the
 * data directory is a volume on the pool, a reflinking copy otherwise), start Postgres on it once
 * (crash recovery for a running source, a proof of startability for all), shut it down cleanly,
 * seal it read-only and publish it in the catalog. Any failure removes the staging volume and
 * leaves published snapshots as they were.
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

    public Refresher(StorageBackend backend, Postmaster postmaster, Catalog catalog, ProcessRunner runner,
                     RuntimeDirs runtime, Clock clock) {
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

    /** Builds a snapshot of {@code source}; with a lineage, of a clone's data directory. */
    public SnapshotRecord refresh(Source source, Progress progress, Lineage lineage) {
        long t0 = System.nanoTime();
        DataDirectory src = new DataDirectory(source.datadir());
        if (!src.exists()) {
            throw KopiException.precondition("source " + source.name() + ": data directory " + source.datadir()
                    + " does not exist");
        }
        String version = src.version();
        if (majorOf(version) < 10) {
            throw KopiException.precondition("source " + source.name() + " is PostgreSQL " + version
                    + "; Kopi needs 10 or newer");
        }
        postmaster.binaries().dir(version); // fail before doing any work if the binaries are missing
        Optional<Long> running = src.runningPid();
        src.requireSelfContained(running.isPresent());
        String originalOwner = ownerName(source.datadir());

        String tag = newTag(source.name());
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String prefix = source.name().length() > 54 ? source.name().substring(0, 54) : source.name();
        VolumeId staging = VolumeId.staging(prefix + "-" + id); // at most 63 characters
        VolumeId target = VolumeId.snapshot(source.name(), tag);
        boolean stagingMade = false;
        boolean sealed = false;
        try {
            if (running.isPresent()) {
                progress.report("snapshot", "source is running (pid " + running.get() + "): checkpointing it", 0, 0);
                checkpoint(src, version, originalOwner);
            }
            Optional<Path> snap = backend.snapshotOf(source.datadir(), staging);
            Path stagingPath;
            if (snap.isPresent()) {
                stagingMade = true;
                stagingPath = snap.get();
                progress.report("snapshot", "snapshotted " + source.datadir() + " in one " + backend.kind()
                        + " operation", 0, 0);
            } else {
                if (running.isPresent()) {
                    throw KopiException.precondition("source " + source.name() + " is running (pid " + running.get()
                            + ") and " + source.datadir() + " is not a volume on the pool, so it cannot be copied "
                            + "consistently: stop that server, or keep its data directory on the pool's filesystem");
                }
                stagingPath = backend.create(staging);
                stagingMade = true;
                new TreeCopier(postmaster.user(), progress).copy(source.datadir(), stagingPath);
            }
            progress.report("prepare", "preparing the data directory", 0, 0);
            prepare(stagingPath, source.datadir());
            progress.report("verify", running.isPresent() ? "recovering to a consistent state and shutting down cleanly"
                    : "starting once to verify, then shutting down cleanly", 0, 0);
            Facts facts = verify(source, id, stagingPath, version, originalOwner,
                    lineage == null ? List.of() : lineage.disableRoles());
            progress.report("publish", "publishing " + target.name() + "@" + tag, 0, 0);
            // From here the target may exist even if seal fails half-way: clean it up as well.
            sealed = true;
            backend.seal(staging, target);
            SnapshotRecord record = new SnapshotRecord(source.name(), tag, clock.instant().toString(), version,
                    facts.superuser(), facts.database(), facts.sizeBytes(), (System.nanoTime() - t0) / 1_000_000);
            if (lineage != null) {
                record = record.branchedFrom(lineage.parent(), lineage.fromClone(), lineage.message());
            }
            catalog.putSnapshot(record);
            LOG.info("published snapshot " + record.name() + " (" + facts.sizeBytes() + " bytes) in "
                    + record.buildMs() + " ms");
            return record;
        } catch (IOException e) {
            cleanup(staging, stagingMade, target, sealed);
            throw StorageErrors.wrap("snapshot source " + source.name(), e);
        } catch (RuntimeException e) {
            cleanup(staging, stagingMade, target, sealed);
            throw e;
        }
    }

    private void cleanup(VolumeId staging, boolean stagingMade, VolumeId target, boolean sealed) {
        try {
            if (stagingMade) {
                postmaster.stop(backend.path(staging));
                backend.destroy(staging); // a no-op when seal got as far as consuming it
            }
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
        for (DataDirectory.Tablespace t : new DataDirectory(original).tablespaces()) {
            Path inCopy = dir.resolve(original.relativize(t.target()));
            Path link = dir.resolve("pg_tblspc").resolve(t.oid());
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, link.getParent().relativize(inCopy));
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
     * Starts Postgres on the staging copy (Unix socket only), learns the bootstrap superuser, the
     * main database and the size, checkpoints, and shuts down cleanly (fast shutdown writes a
     * shutdown checkpoint: clones then start with no WAL to replay).
     */
    private Facts verify(Source source, String id, Path dir, String version, String originalOwner,
                         List<String> disableRoles) throws IOException {
        Path socketDir = runtime.createSocketDir(runtime.stagingSocketDir(id), postmaster.user());
        Path hbaFile = runtime.hbaFile("s" + id);
        runtime.writeHba(hbaFile, Hba.forStaging());
        Path log = runtime.logFile("refresh-" + source.name());
        InstanceSpec spec = new InstanceSpec("kopi-refresh-" + source.name(), dir, version, STAGING_PORT, "",
                socketDir, hbaFile, log, Map.of());
        try {
            postmaster.start(spec);
            Facts facts = inspect(source, socketDir, originalOwner, disableRoles);
            postmaster.stop(dir);
            String state = clusterState(dir, version);
            if (!state.equals("shut down")) {
                throw KopiException.internal("snapshot of " + source.name() + " is in state '" + state
                        + "' after a clean shutdown; see " + log, null);
            }
            return facts;
        } finally {
            postmaster.stop(dir);
            runtime.removeSocketDir(socketDir);
            runtime.deleteQuietly(hbaFile);
        }
    }

    private Facts inspect(Source source, Path socketDir, String originalOwner, List<String> disableRoles) {
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
                String superuser = one(st, "SELECT rolname FROM pg_authid WHERE oid = 10");
                List<String> dbs = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT datname FROM pg_database WHERE datallowconn "
                        + "AND NOT datistemplate ORDER BY datname")) {
                    while (rs.next()) {
                        dbs.add(rs.getString(1));
                    }
                }
                long size = Long.parseLong(one(st, "SELECT sum(pg_database_size(oid))::bigint FROM pg_database"));
                for (String role : disableRoles) {
                    // Roles are cluster-wide: one statement covers every database. The role may
                    // own objects, so it is kept, without login and password.
                    st.execute("ALTER ROLE \"" + role.replace("\"", "\"\"") + "\" NOLOGIN PASSWORD NULL");
                }
                st.execute("CHECKPOINT");
                return new Facts(superuser, mainDatabase(dbs), size);
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

    /**
     * Asks a running on-pool source for a checkpoint first, so the snapshot has little WAL to
     * replay. Best effort: recovery makes the snapshot consistent either way.
     */
    private void checkpoint(DataDirectory src, String version, String owner) {
        List<String> pid = src.pidFile();
        if (pid.size() < 5 || pid.get(4).isBlank() || owner == null) {
            return;
        }
        try {
            OsUser ownerUser = OsUser.lookup(owner);
            ProcessRunner.Result r = runner.run(ownerUser.wrap(List.of(
                    postmaster.binaries().tool(version, "psql").toString(), "-X", "-q", "-h", pid.get(4).strip(),
                    "-p", pid.get(3).strip(), "-d", "template1", "-c", "CHECKPOINT")), Duration.ofMinutes(5));
            if (!r.ok()) {
                LOG.info("checkpoint of the running source skipped: " + r.describe());
            }
        } catch (IOException | RuntimeException e) {
            LOG.info("checkpoint of the running source skipped: " + e.getMessage());
        }
    }

    private static String ownerName(Path dir) {
        try {
            return Files.getOwner(dir).getName();
        } catch (IOException e) {
            return null;
        }
    }

    static int majorOf(String version) {
        return Integer.parseInt(version.split("\\.")[0]);
    }

    /** For tests: the instant a tag would carry. */
    static String tagOf(Instant instant) {
        return TAG.format(instant);
    }
}
