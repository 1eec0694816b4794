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
import dev.kopi.daemon.storage.PoolUsage;
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
    private final long minFree;
    private final PgTools tools;
    private final SqlScripts scripts;

    public Refresher(StorageBackend backend, Postmaster postmaster, Catalog catalog, ProcessRunner runner,
                     RuntimeDirs runtime, Clock clock) {
        this(backend, postmaster, catalog, runner, runtime, clock, 0);
    }

    /** @param minFree pool.min_free: a refresh that would leave less free is refused up front */
    public Refresher(StorageBackend backend, Postmaster postmaster, Catalog catalog, ProcessRunner runner,
                     RuntimeDirs runtime, Clock clock, long minFree) {
        this.minFree = minFree;
        this.tools = new PgTools(runner, postmaster);
        this.scripts = new SqlScripts(tools);
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
            case DATADIR -> new DatadirFill(source);
            case BASEBACKUP -> new BasebackupFill(source, new SourceServer(source, tools));
            case DUMP -> new DumpFill(source, new SourceServer(source, tools));
            case SEED -> new SeedFill(source);
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
        String hash = seedHash(source, postmaster.binaries().newest());
        return dev.kopi.daemon.SnapshotLookup.ofSource(catalog, source.name()).stream().findFirst()
                .filter(s -> hash.equals(s.seedHash()));
    }

    /**
     * How a refresh fills its staging volume: one per kind of source. {@link #check} runs before
     * anything is made (an unreachable source or missing binaries fail there), {@link #make}
     * makes the staging volume and a data directory in it, {@link #load} runs with the staging
     * instance up (restoring a dump, running seed scripts).
     */
    private abstract class Fill {
        final Source source;
        String version;
        /** The data directory the copy came from, for relinking tablespaces; null when none. */
        Path original;
        /** Roles that may own the copy's files: candidates for its superuser. */
        String originalOwner;
        String seedHash;

        Fill(Source source) {
            this.source = source;
        }

        abstract void check(Progress progress);

        abstract Path make(VolumeId staging, String id, Progress progress) throws IOException;

        void load(StagingInstance inst, Progress progress) {
        }

        /** Removes what {@link #make} made beside the staging volume. */
        void cleanup() {
        }

        String verifyMessage() {
            return "starting once to verify, then shutting down cleanly";
        }
    }

    /** A local data directory: one native snapshot when on the pool, else a reflinking copy. */
    private final class DatadirFill extends Fill {
        Optional<Long> running;

        DatadirFill(Source source) {
            super(source);
        }

        @Override
        void check(Progress progress) {
            DataDirectory src = new DataDirectory(source.datadir());
            if (!src.exists()) {
                throw KopiException.precondition("source " + source.name() + ": data directory " + source.datadir()
                        + " does not exist");
            }
            version = src.version();
            if (majorOf(version) < 10) {
                throw KopiException.precondition("source " + source.name() + " is PostgreSQL " + version
                        + "; Kopi needs 10 or newer");
            }
            postmaster.binaries().dir(version); // fail before doing any work if the binaries are missing
            running = src.runningPid();
            src.requireSelfContained(running.isPresent());
            original = source.datadir();
            originalOwner = ownerName(source.datadir());
        }

        @Override
        Path make(VolumeId staging, String id, Progress progress) throws IOException {
            if (running.isPresent()) {
                progress.report("snapshot", "source is running (pid " + running.get() + "): checkpointing it", 0, 0);
                checkpoint(new DataDirectory(source.datadir()), version, originalOwner);
            }
            Optional<Path> snap = backend.snapshotOf(source.datadir(), staging);
            if (snap.isPresent()) {
                progress.report("snapshot", "snapshotted " + source.datadir() + " in one " + backend.kind()
                        + " operation", 0, 0);
                return snap.get();
            }
            if (running.isPresent()) {
                throw KopiException.precondition("source " + source.name() + " is running (pid " + running.get()
                        + ") and " + source.datadir() + " is not a volume on the pool, so it cannot be copied "
                        + "consistently: stop that server, or keep its data directory on the pool's filesystem");
            }
            Path stagingPath = backend.create(staging);
            new TreeCopier(postmaster.user(), progress).copy(source.datadir(), stagingPath);
            return stagingPath;
        }

        @Override
        String verifyMessage() {
            return running.isPresent() ? "recovering to a consistent state and shutting down cleanly"
                    : super.verifyMessage();
        }
    }

    /** A physical copy of a live server: pg_basebackup with the WAL streamed alongside. */
    private final class BasebackupFill extends Fill {
        final SourceServer server;
        SourceServer.Facts facts;

        BasebackupFill(Source source, SourceServer server) {
            super(source);
            this.server = server;
            originalOwner = source.conninfo().get("user"); // often the copy's superuser too
        }

        @Override
        void check(Progress progress) {
            progress.report("connect", "connecting to " + server.describe(), 0, 0);
            facts = server.probe(postmaster.binaries().newest());
            version = facts.major();
            if (!postmaster.binaries().installed().contains(version) && !postmaster.binaries().installed().isEmpty()) {
                throw KopiException.precondition(server.describe() + " is PostgreSQL " + facts.version() + ": its "
                        + "physical copy runs only on PostgreSQL " + version + ", which is not installed here "
                        + "(install postgresql-" + version + "), or use a dump source to copy it across versions");
            }
            postmaster.binaries().dir(version);
            requireSpace(facts.clusterBytes(), "a physical copy of " + server.describe());
        }

        @Override
        Path make(VolumeId staging, String id, Progress progress) throws IOException {
            Path dir = ownedVolume(staging);
            List<String> args = new ArrayList<>(List.of("--pgdata=" + dir, "--wal-method=stream",
                    "--checkpoint=fast", "--label=kopi " + source.name(),
                    // The seal (a Btrfs or ZFS snapshot) writes everything out: fsync here is wasted time.
                    "--no-sync"));
            if (source.settings().maxRate() != null) {
                args.add("--max-rate=" + source.settings().maxRate());
            }
            for (Map.Entry<String, String> t : facts.tablespaces().entrySet()) {
                // Tablespaces land inside the copy, never at the source's paths on this host.
                args.add("--tablespace-mapping=" + t.getValue().replace("=", "\\=") + "="
                        + dir.resolve("kopi_tablespaces").resolve(t.getKey()));
            }
            args.addAll(server.connectArgs());
            try (DirectoryMeter m = new DirectoryMeter(dir, 0, facts.clusterBytes(), progress, "copy",
                    "pg_basebackup from " + server.describe())) {
                tools.require("pg_basebackup from " + server.describe(), version, "pg_basebackup", args, server.env(),
                        PgTools.LONG);
            }
            progress.report("copy", "copied " + DirectoryMeter.size(dir) / (1024 * 1024) + " MB", facts.clusterBytes(),
                    facts.clusterBytes());
            return dir;
        }

        @Override
        String verifyMessage() {
            return "replaying the streamed WAL to a consistent state, then shutting down cleanly";
        }
    }

    /** A logical copy: pg_dump of one database, restored into a fresh cluster. */
    private final class DumpFill extends Fill {
        final SourceServer server;
        SourceServer.Facts facts;
        VolumeId dumpVolume;
        Path dumpDir;

        DumpFill(Source source, SourceServer server) {
            super(source);
            this.server = server;
            originalOwner = "postgres";
        }

        @Override
        void check(Progress progress) {
            progress.report("connect", "connecting to " + server.describe(), 0, 0);
            version = postmaster.binaries().newest();
            facts = server.probe(version);
            if (facts.versionNum() / 10000 > Integer.parseInt(version)) {
                throw KopiException.precondition(server.describe() + " is PostgreSQL " + facts.version()
                        + ", newer than the newest PostgreSQL here (" + version + "), and pg_dump cannot dump a newer "
                        + "server: install postgresql-" + facts.major());
            }
            // The dump and the restored database exist side by side until the restore is done.
            requireSpace(2 * facts.databaseBytes(), "a dump and restore of " + server.describe());
        }

        @Override
        Path make(VolumeId staging, String id, Progress progress) throws IOException {
            SourceSettings.DumpOptions o = source.settings().dump();
            dumpVolume = VolumeId.staging(staging.name().substring(0, Math.min(staging.name().length(), 60)) + "-d");
            dumpDir = ownedVolume(dumpVolume);
            List<String> args = new ArrayList<>(List.of("--format=directory", "--jobs=" + o.jobs(), "--no-sync",
                    "--file=" + dumpDir.resolve("dump")));
            o.schemas().forEach(x -> args.add("--schema=" + x));
            o.excludeSchemas().forEach(x -> args.add("--exclude-schema=" + x));
            o.excludeTables().forEach(x -> args.add("--exclude-table=" + x));
            o.excludeTableData().forEach(x -> args.add("--exclude-table-data=" + x));
            args.addAll(server.connectArgs());
            try (DirectoryMeter m = new DirectoryMeter(dumpDir, 0, 0, progress, "dump",
                    "pg_dump of " + facts.database() + " from " + server.describe())) {
                tools.require("pg_dump of " + server.describe(), version, "pg_dump", args, server.env(), PgTools.LONG);
            }
            if (!o.noOwner()) {
                progress.report("dump", "copying the roles (without passwords) of " + server.describe(), 0, 0);
                List<String> roles = new ArrayList<>(List.of("--roles-only", "--no-role-passwords",
                        "--file=" + dumpDir.resolve("roles.sql"), "--database=" + facts.database()));
                roles.addAll(server.connectArgs());
                tools.require("pg_dumpall --roles-only of " + server.describe(), version, "pg_dumpall", roles,
                        server.env(), Duration.ofMinutes(10));
            }
            Path dir = ownedVolume(staging);
            initdb(dir, version, progress);
            return dir;
        }

        @Override
        void load(StagingInstance inst, Progress progress) {
            SourceSettings.DumpOptions o = source.settings().dump();
            String db = source.settings().database() != null ? source.settings().database() : facts.database();
            createDatabase(inst, db, facts.encoding(), facts.collate(), facts.ctype(), progress);
            if (!o.noOwner()) {
                applyRoles(inst, dumpDir.resolve("roles.sql"));
            }
            List<String> args = new ArrayList<>(List.of("--jobs=" + o.jobs(), "--exit-on-error"));
            if (o.noOwner()) {
                args.add("--no-owner");
                args.add("--no-acl");
            }
            args.addAll(inst.connectArgs(db));
            args.add(dumpDir.resolve("dump").toString());
            long before = DirectoryMeter.size(inst.dataDir());
            try (DirectoryMeter m = new DirectoryMeter(inst.dataDir(), before, facts.databaseBytes(), progress,
                    "restore", "pg_restore into " + db)) {
                tools.require("pg_restore of the dump of " + server.describe(), version, "pg_restore", args, Map.of(),
                        PgTools.LONG);
            }
        }

        @Override
        void cleanup() {
            if (dumpVolume != null) {
                destroyQuietly(dumpVolume);
            }
        }

        /**
         * Creates the source's roles so owners and grants restore as they were. The bootstrap
         * superuser's own lines are left out: the source's idea of "postgres" (perhaps not a
         * superuser on a managed service) must not demote the role kopid works as. Errors are
         * expected and ignored (roles that exist already).
         */
        private void applyRoles(StagingInstance inst, Path roles) {
            try {
                String own = "ROLE " + inst.superuser();
                List<String> kept = Files.readAllLines(roles).stream()
                        .filter(l -> !l.startsWith("CREATE " + own + ";") && !l.startsWith("ALTER " + own + " "))
                        .toList();
                Files.write(roles, kept);
            } catch (IOException e) {
                throw KopiException.internal("cannot read the roles of " + server.describe() + ": " + e.getMessage(), e);
            }
            List<String> args = new ArrayList<>(List.of("-X", "-q", "--file=" + roles));
            args.addAll(inst.connectArgs("postgres"));
            tools.run(version, "psql", args, Map.of(), Duration.ofMinutes(10));
        }
    }

    /** SQL scripts run in order into a fresh cluster: the reproducible "lockfile" kind. */
    private final class SeedFill extends Fill {
        SeedFill(Source source) {
            super(source);
            originalOwner = "postgres";
        }

        @Override
        void check(Progress progress) {
            version = postmaster.binaries().newest();
            for (Path p : source.seed()) {
                if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                    throw KopiException.precondition("source " + source.name() + ": seed script " + p
                            + " does not exist or cannot be read");
                }
            }
            seedHash = seedHash(source, version);
        }

        @Override
        Path make(VolumeId staging, String id, Progress progress) throws IOException {
            Path dir = ownedVolume(staging);
            initdb(dir, version, progress);
            return dir;
        }

        @Override
        void load(StagingInstance inst, Progress progress) {
            String db = source.settings().database() != null ? source.settings().database() : source.name();
            createDatabase(inst, db, "UTF8", "C", "C", progress);
            scripts.run(inst, db, source.seed(), "seed", progress);
        }
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

    /** Fails with RESOURCE_EXHAUSTED, before anything is made, when {@code bytes} would not fit. */
    private void requireSpace(long bytes, String what) {
        PoolUsage u = backend.usage();
        if (u.free() - bytes < minFree) {
            throw KopiException.exhausted("pool is too small for " + what + ": it needs about " + mib(bytes)
                    + " and the pool has " + mib(u.free()) + " free" + (minFree > 0 ? " (keeping " + mib(minFree)
                    + ", pool.min_free)" : "") + "; free space (destroy clones, delete snapshots, lower keep) or grow "
                    + "the pool");
        }
    }

    private static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }

    /** Creates a staging volume for the postgres user's tools to write into: theirs, 0700. */
    private Path ownedVolume(VolumeId v) throws IOException {
        Path dir = backend.create(v);
        OsUser u = postmaster.user();
        Posix.chown(dir, u.uid(), u.gid());
        Posix.chmod(dir, 0700);
        return dir;
    }

    /**
     * A fresh cluster whose bootstrap superuser is "postgres". Template databases get the C locale,
     * which exists everywhere; the database a source creates asks for its own locale.
     */
    private void initdb(Path dir, String version, Progress progress) {
        progress.report("initdb", "creating a PostgreSQL " + version + " cluster", 0, 0);
        tools.require("initdb", version, "initdb", List.of("--pgdata=" + dir, "--username=postgres",
                "--encoding=UTF8", "--locale=C", "--auth=trust", "--no-sync"), Map.of(), Duration.ofMinutes(10));
    }

    /**
     * CREATE DATABASE with the source's encoding and locale; a locale this host does not have
     * falls back to C (said in the progress), since a copy with another sort order beats none.
     */
    private void createDatabase(StagingInstance inst, String db, String encoding, String collate, String ctype,
                                Progress progress) {
        String quoted = "\"" + db.replace("\"", "\"\"") + "\"";
        try (Connection c = AdminConnection.open(inst.socketDir(), inst.port(), inst.superuser(), "postgres", 30);
             Statement st = c.createStatement()) {
            try {
                st.execute("CREATE DATABASE " + quoted + " TEMPLATE template0 ENCODING " + literal(encoding)
                        + " LC_COLLATE " + literal(collate) + " LC_CTYPE " + literal(ctype));
            } catch (SQLException e) {
                if (!"22023".equals(e.getSQLState()) && !"42809".equals(e.getSQLState())) { // invalid locale
                    throw e;
                }
                progress.report("restore", "locale " + collate + " is not installed here: database " + db
                        + " uses C", 0, 0);
                st.execute("CREATE DATABASE " + quoted + " TEMPLATE template0 ENCODING " + literal(encoding)
                        + " LC_COLLATE 'C' LC_CTYPE 'C'");
            }
        } catch (SQLException e) {
            throw KopiException.precondition("cannot create database " + db + " in the new snapshot: " + e.getMessage());
        }
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /**
     * The seed's identity: every script's and transform's name and content, in order, the
     * database name and the PostgreSQL major version. Same hash, same snapshot.
     */
    static String seedHash(Source source, String version) {
        try {
            java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
            d.update(("kopi-seed-v1\0" + version + "\0" + source.settings().database() + "\0")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (List<Path> group : List.of(source.seed(), source.settings().transforms().stream().map(Path::of).toList())) {
                d.update(("group " + group.size() + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                for (Path p : group) {
                    byte[] content = Files.readAllBytes(p);
                    d.update((p + "\0" + content.length + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    d.update(content);
                }
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (IOException e) {
            throw KopiException.precondition("source " + source.name() + ": cannot read a script: " + e.getMessage());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void destroyQuietly(VolumeId v) {
        try {
            postmaster.stop(backend.path(v));
            if (backend.list().contains(v)) {
                backend.destroy(v);
            }
        } catch (RuntimeException e) {
            LOG.warning("could not remove " + v + " (the next start removes it): " + e.getMessage());
        }
    }

    private void cleanup(VolumeId staging, VolumeId target, boolean sealed) {
        try {
            destroyQuietly(staging); // a no-op when seal got as far as consuming it
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
        InstanceSpec spec = new InstanceSpec("kopi-refresh-" + source.name(), dir, fill.version, STAGING_PORT, "",
                socketDir, hbaFile, log, scrub ? scrubSettings(fill.version) : Map.of());
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
