package dev.kopi.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CatalogStore;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.config.ClonePolicy;
import dev.kopi.daemon.config.ConfigLoader;
import dev.kopi.daemon.config.PostgresConfig;
import dev.kopi.daemon.postgres.FreePorts;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.postgres.PgBinaries;
import dev.kopi.daemon.postgres.RuntimeDirs;
import dev.kopi.daemon.postgres.PortAllocator;
import dev.kopi.daemon.postgres.Postmaster;
import dev.kopi.daemon.process.ForbiddenProcessRunner;
import dev.kopi.daemon.storage.FakeStorageBackend;
import dev.kopi.daemon.storage.VolumeId;

/**
 * Real Clones on a fake pool and a real catalog. No PostgreSQL binaries exist, so any attempt to
 * start an instance fails with FAILED_PRECONDITION before a process could be started. With
 * {@code fakeBinaries}, an executable "postgres" file exists instead and every start reaches
 * {@link #spawns}, which records it and refuses it (INTERNAL): a test can look at the catalog
 * and the start's argv at that moment.
 */
final class CloneFixture {
    static final int PORTS = 4;
    static final long MIN_FREE = 64L << 20;

    final Path root;
    final FakeStorageBackend backend;
    final Catalog catalog;
    final ForbiddenProcessRunner runner = new ForbiddenProcessRunner();
    final PortAllocator ports;
    final int firstPort;
    final Path runDir;
    final Path logDir;
    final Clones clones;
    final SpawnRecorder spawns = new SpawnRecorder();
    final ClonePolicy policy;
    final Events events;
    final MutableClock clock = new MutableClock(NOW);

    static final Instant NOW = Instant.parse("2026-11-23T04:00:00Z");

    CloneFixture(Path root) throws IOException {
        this(root, ClonePolicy.DEFAULTS, false);
    }

    CloneFixture(Path root, ClonePolicy policy, boolean fakeBinaries) throws IOException {
        this.root = root;
        this.policy = policy;
        this.events = new Events(clock);
        backend = new FakeStorageBackend(root.resolve("pool"));
        catalog = new Catalog(new CatalogStore(root.resolve("catalog.json")));
        Postmaster postmaster;
        if (fakeBinaries) {
            Path bin = Files.createDirectories(root.resolve("pg/16/bin"));
            Files.createFile(bin.resolve("postgres"), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwxr-xr-x")));
            postmaster = new Postmaster(spawns, new PgBinaries(root.resolve("pg/{version}/bin").toString()),
                    new OsUser("postgres", 101, 104), Duration.ofSeconds(1), Duration.ofSeconds(1));
        } else {
            postmaster = new Postmaster(runner, new PgBinaries(root.resolve("no-pg/{version}/bin").toString()),
                    new OsUser("postgres", 101, 104), Duration.ofSeconds(1), Duration.ofSeconds(1));
        }
        PostgresConfig pg = ConfigLoader.defaults().postgres();
        firstPort = FreePorts.range(PORTS);
        ports = new PortAllocator(firstPort, firstPort + PORTS - 1, InetAddress.getLoopbackAddress());
        runDir = Files.createDirectories(root.resolve("run"));
        logDir = Files.createDirectories(root.resolve("logs"));
        Files.createDirectories(root.resolve("hba"));
        clones = new Clones(catalog, backend, postmaster, ports, pg, new RuntimeDirs(root), MIN_FREE, policy, events,
                clock);
    }

    SnapshotRecord publish(String source, String tag, String createdAt) {
        SnapshotRecord r = new SnapshotRecord(source, tag, createdAt, "16", "postgres", "app", 1L, 1L);
        backend.add(VolumeId.snapshot(source, tag));
        catalog.putSnapshot(r);
        return r;
    }

    CloneRecord existingClone(String name, SnapshotRecord snapshot, int port) {
        CloneRecord r = new CloneRecord(name, snapshot.name(), port, "kopi_ab12cd34", "pw", "app",
                "2026-11-23T03:00:00Z", "16", "postgres");
        backend.add(VolumeId.clone(name));
        catalog.putClone(r);
        ports.claim(port);
        return r;
    }

    /** Records a clone as {@link #existingClone(String, SnapshotRecord, int)} does, with its lifetime settings. */
    CloneRecord existingClone(CloneRecord r) {
        backend.add(VolumeId.clone(r.name()));
        catalog.putClone(r);
        ports.claim(r.port());
        return r;
    }

    /** A snapshot taken of clone {@code fromClone} (made from {@code parent}), published as {@code source@tag}. */
    SnapshotRecord publishBranch(String source, String tag, String createdAt, SnapshotRecord parent, String fromClone) {
        SnapshotRecord r = new SnapshotRecord(source, tag, createdAt, "16", "postgres", "app", 1L, 1L)
                .branchedFrom(parent.name(), fromClone, "branch " + source);
        backend.add(VolumeId.snapshot(source, tag));
        catalog.putSnapshot(r);
        return r;
    }
}
