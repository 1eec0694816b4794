package dev.kopi.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CatalogStore;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
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
 * start an instance fails with FAILED_PRECONDITION before a process could be started.
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

    CloneFixture(Path root) throws IOException {
        this.root = root;
        backend = new FakeStorageBackend(root.resolve("pool"));
        catalog = new Catalog(new CatalogStore(root.resolve("catalog.json")));
        Postmaster postmaster = new Postmaster(runner, new PgBinaries(root.resolve("no-pg/{version}/bin").toString()),
                new OsUser("postgres", 101, 104), Duration.ofSeconds(1), Duration.ofSeconds(1));
        PostgresConfig pg = ConfigLoader.defaults().postgres();
        firstPort = FreePorts.range(PORTS);
        ports = new PortAllocator(firstPort, firstPort + PORTS - 1, InetAddress.getLoopbackAddress());
        runDir = Files.createDirectories(root.resolve("run"));
        logDir = Files.createDirectories(root.resolve("logs"));
        Files.createDirectories(root.resolve("hba"));
        clones = new Clones(catalog, backend, postmaster, ports, pg, new RuntimeDirs(root), MIN_FREE,
                Clock.fixed(Instant.parse("2026-11-23T04:00:00Z"), ZoneOffset.UTC));
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
}
