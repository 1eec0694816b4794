package dev.kopi.daemon.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CatalogStore;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.clone.ClonePolicy;
import dev.kopi.daemon.clone.Clones;
import dev.kopi.daemon.clone.Endpoint;
import dev.kopi.daemon.config.ConfigLoader;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.postgres.DataDirectory;
import dev.kopi.daemon.postgres.Identities;
import dev.kopi.daemon.postgres.Instances;
import dev.kopi.daemon.postgres.LocalInstances;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.postgres.PgBinaries;
import dev.kopi.daemon.postgres.PortAllocator;
import dev.kopi.daemon.postgres.PostgresConfig;
import dev.kopi.daemon.postgres.Postmaster;
import dev.kopi.daemon.postgres.RuntimeDirs;
import dev.kopi.daemon.storage.FakeStorageBackend;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.daemon.testing.CloneFixture;
import dev.kopi.daemon.testing.ForbiddenProcessRunner;

class ReconcilerTest {
    private static final VolumeId SNAP = VolumeId.snapshot("prod", "20261123T020000Z");
    private static final String SNAP_NAME = "prod@20261123T020000Z";

    @TempDir
    Path tmp;
    private FakeStorageBackend backend;
    private Catalog catalog;
    private ForbiddenProcessRunner runner;
    private PortAllocator ports;
    private Reconciler reconciler;

    @BeforeEach
    void setUp() throws IOException {
        backend = new FakeStorageBackend(tmp.resolve("pool"));
        catalog = new Catalog(new CatalogStore(tmp.resolve("catalog.json")));
        runner = new ForbiddenProcessRunner();
        Postmaster postmaster = new Postmaster(runner, new PgBinaries(tmp.resolve("no-pg/{version}/bin").toString()),
                new OsUser("postgres", 101, 104), Duration.ofSeconds(1), Duration.ofSeconds(1));
        PostgresConfig pg = ConfigLoader.defaults().postgres();
        ports = new PortAllocator(pg.portFirst(), pg.portLast(), InetAddress.getLoopbackAddress());
        for (String d : new String[] {"run", "hba", "logs"}) {
            Files.createDirectories(tmp.resolve(d));
        }
        Clock clock = Clock.fixed(Instant.parse("2026-11-23T04:00:00Z"), ZoneOffset.UTC);
        Instances instances = new LocalInstances(postmaster, new RuntimeDirs(tmp), pg);
        Clones clones = new Clones(catalog, backend, instances, ports, new Identities(1_999_000_000, 1_999_000_999),
                ClonePolicy.DEFAULTS, 0, Endpoint.plain(pg.host()), new Events(clock), clock);
        reconciler = new Reconciler(catalog, backend, instances, clones, ports, name -> false);
    }

    private static SnapshotRecord snapshotRecord(VolumeId v) {
        return CloneFixture.snapshot(v.name(), v.tag(), "2026-11-23T02:00:00Z");
    }

    private static CloneRecord cloneRecord(String name, String snapshot, int port) {
        return CloneRecord.builder().name(name).snapshot(SnapshotRef.parse(snapshot)).port(port).user("kopi_ab12cd34")
                .password("pw").database("app").createdAt(Instant.parse("2026-11-23T03:00:00Z")).version("16")
                .superuser("postgres").build();
    }

    private Catalog reopenedCatalog() {
        return new Catalog(new CatalogStore(tmp.resolve("catalog.json")));
    }

    @Test
    void emptyPoolAndCatalogIsANoOp() {
        assertEquals(new Reconciler.Report(0, 0, 0, 0, 0), reconciler.run());
        assertTrue(runner.calls().isEmpty());
    }

    @Test
    void stagingVolumesAreAlwaysDestroyed() {
        backend.add(VolumeId.staging("prod-1a2b3c4d"));
        backend.add(VolumeId.staging("other-ffffffff"));

        Reconciler.Report r = reconciler.run();

        assertEquals(new Reconciler.Report(2, 0, 0, 0, 0), r);
        assertTrue(backend.list().isEmpty());
        assertTrue(runner.calls().isEmpty());
    }

    @Test
    void cloneVolumesWithoutARecordAreDestroyed() {
        backend.add(SNAP);
        catalog.putSnapshot(snapshotRecord(SNAP));
        backend.add(VolumeId.clone("orphan"));

        Reconciler.Report r = reconciler.run();

        assertEquals(new Reconciler.Report(1, 0, 0, 0, 0), r);
        assertEquals(List.of(VolumeId.clone("orphan")), backend.destroyed());
        assertEquals(List.of(SNAP), backend.list());
        assertTrue(runner.calls().isEmpty());
    }

    /**
     * A reset makes the new volume, switches the record to it, then drops the old one: a kopid
     * killed before the switch keeps the old volume (the new one is an orphan), one killed after
     * keeps the new one.
     */
    @Test
    void aResetCutShortKeepsTheVolumeTheRecordNamesAndDropsTheOther() {
        backend.add(SNAP);
        catalog.putSnapshot(snapshotRecord(SNAP));
        backend.add(VolumeId.clone("before"));
        backend.add(VolumeId.clone("before-rnew12345"));
        catalog.putClone(cloneRecord("before", SNAP_NAME, 6501));
        backend.add(VolumeId.clone("after"));
        backend.add(VolumeId.clone("after-rnew12345"));
        catalog.putClone(cloneRecord("after", SNAP_NAME, 6502).toBuilder().volume("after-rnew12345").build());

        Reconciler.Report r = reconciler.run();

        assertEquals(2, r.removedVolumes());
        assertTrue(backend.contains(VolumeId.clone("before")));
        assertFalse(backend.contains(VolumeId.clone("before-rnew12345")));
        assertTrue(backend.contains(VolumeId.clone("after-rnew12345")));
        assertFalse(backend.contains(VolumeId.clone("after")));
        assertEquals(2, catalog.clones().size());
    }

    @Test
    void snapshotVolumesWithoutARecordAreDestroyed() {
        VolumeId recorded = VolumeId.snapshot("prod", "20261124T020000Z");
        backend.add(SNAP);
        backend.add(recorded);
        catalog.putSnapshot(snapshotRecord(recorded));

        Reconciler.Report r = reconciler.run();

        assertEquals(new Reconciler.Report(1, 0, 0, 0, 0), r);
        assertEquals(List.of(SNAP), backend.destroyed());
        assertEquals(List.of(snapshotRecord(recorded)), catalog.snapshots());
    }

    @Test
    void unrecordedSnapshotVolumeIsKeptWhileARecordedCloneRefersToIt() {
        backend.add(SNAP);
        backend.add(VolumeId.clone("c1"));
        catalog.putClone(cloneRecord("c1", SNAP_NAME, 6501));

        Reconciler.Report r = reconciler.run();

        assertTrue(backend.contains(SNAP));
        assertTrue(backend.destroyed().isEmpty());
        assertEquals(new Reconciler.Report(0, 0, 0, 0, 1), r);
        assertTrue(catalog.clone("c1").isPresent());
    }

    @Test
    void recordsWhoseVolumesAreGoneAreDroppedAndPersisted() {
        VolumeId kept = VolumeId.snapshot("prod", "20261124T020000Z");
        backend.add(kept);
        catalog.putSnapshot(snapshotRecord(kept));
        catalog.putSnapshot(snapshotRecord(SNAP));
        catalog.putClone(cloneRecord("gone-1", SNAP_NAME, 6501));
        catalog.putClone(cloneRecord("gone-2", kept.name() + "@" + kept.tag(), 6502));

        Reconciler.Report r = reconciler.run();

        assertEquals(new Reconciler.Report(0, 3, 0, 0, 0), r);
        Catalog again = reopenedCatalog();
        assertEquals(List.of(snapshotRecord(kept)), again.snapshots());
        assertTrue(again.clones().isEmpty());
        assertTrue(runner.calls().isEmpty());
        assertEquals(500, ports.free(), "dropped clones do not keep their ports");
    }

    @Test
    void mixedLeftoversAreAllCountedInTheReport() {
        backend.add(VolumeId.staging("prod-00000001"));
        backend.add(VolumeId.clone("orphan-clone"));
        backend.add(VolumeId.snapshot("prod", "orphan"));
        backend.add(SNAP);
        catalog.putSnapshot(snapshotRecord(SNAP));
        catalog.putSnapshot(snapshotRecord(VolumeId.snapshot("prod", "vanished")));
        catalog.putClone(cloneRecord("vanished-clone", SNAP_NAME, 6510));

        Reconciler.Report r = reconciler.run();

        assertEquals(new Reconciler.Report(3, 2, 0, 0, 0), r);
        assertEquals(List.of(SNAP), backend.list());
        assertEquals(List.of(snapshotRecord(SNAP)), reopenedCatalog().snapshots());
        assertTrue(runner.calls().isEmpty());
    }

    @Test
    void refusesToForgetEverythingWhenNoRecordedVolumeIsInThePool() {
        catalog.putSnapshot(snapshotRecord(SNAP));
        catalog.putClone(cloneRecord("c1", SNAP_NAME, 6501));
        backend.add(VolumeId.staging("prod-0a1b2c3d")); // the pool holds something, but none of ours

        KopiException e = assertThrows(KopiException.class, () -> reconciler.run());

        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("is the right pool mounted"), e.getMessage());
        assertEquals(1, catalog.snapshots().size(), "nothing forgotten");
        assertEquals(1, catalog.clones().size());
        assertEquals(1, new Catalog(new CatalogStore(tmp.resolve("catalog.json"))).clones().size(), "nor on disk");
    }

    @Test
    void clonesAndStagingGoBeforeSnapshots() {
        VolumeId orphanSnap = VolumeId.snapshot("prod", "orphan");
        backend.add(orphanSnap);
        backend.add(VolumeId.clone("orphan-a"));
        backend.add(VolumeId.staging("prod-00000002"));
        backend.add(VolumeId.clone("orphan-b"));

        reconciler.run();

        List<VolumeId> order = backend.destroyed();
        assertEquals(4, order.size());
        assertEquals(orphanSnap, order.get(order.size() - 1), "snapshot destroyed last: " + order);
    }

    @Test
    void aVolumeThatCannotBeDestroyedIsNotCountedAndDoesNotStopTheRest() {
        VolumeId stuck = VolumeId.clone("stuck");
        backend.add(stuck);
        backend.add(VolumeId.clone("loose"));
        backend.failDestroyOf(stuck);

        Reconciler.Report r = reconciler.run();

        assertEquals(1, r.removedVolumes());
        assertEquals(List.of(stuck), backend.list());
    }

    @Test
    void recordedCloneThatCannotRestartIsKeptAndCountedAsFailed() throws IOException {
        backend.add(SNAP);
        catalog.putSnapshot(snapshotRecord(SNAP));
        Path dir = backend.add(VolumeId.clone("c1"));
        Files.writeString(dir.resolve("postmaster.pid"), "999999999\n" + dir + "\n");
        catalog.putClone(cloneRecord("c1", SNAP_NAME, 6543));

        Reconciler.Report r = reconciler.run();

        assertEquals(new Reconciler.Report(0, 0, 0, 0, 1), r);
        assertTrue(runner.calls().isEmpty(), "missing binaries fail before any process starts");
        assertTrue(reopenedCatalog().clone("c1").isPresent());
        assertTrue(backend.contains(VolumeId.clone("c1")));
        assertFalse(Files.exists(dir.resolve("postmaster.pid")), "stale pid file removed before the restart");
        assertEquals(499, ports.free(), "the recorded clone's port is claimed");
    }

    @Test
    void recordedCloneWithARunningPostmasterIsAdopted() throws Exception {
        backend.add(SNAP);
        catalog.putSnapshot(snapshotRecord(SNAP));
        Path dir = backend.add(VolumeId.clone("c1"));
        catalog.putClone(cloneRecord("c1", SNAP_NAME, 6543));
        Process fake = fakePostmaster(dir);
        try {
            Reconciler.Report r = reconciler.run();

            assertEquals(new Reconciler.Report(0, 0, 1, 0, 0), r);
            assertTrue(fake.isAlive(), "an adopted instance is left running");
            assertTrue(runner.calls().isEmpty());
            assertEquals(499, ports.free());
        } finally {
            fake.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void postmasterRunningOnAnOrphanVolumeIsStoppedBeforeTheVolumeGoes() throws Exception {
        Path dir = backend.add(VolumeId.clone("orphan"));
        Process fake = fakePostmaster(dir);
        List<String> runningAtDestroy = new ArrayList<>();
        backend.beforeDestroy(v -> new DataDirectory(backend.path(v)).runningPid()
                .ifPresent(pid -> runningAtDestroy.add(v + " pid " + pid)));
        try {
            Reconciler.Report r = reconciler.run();

            assertEquals(1, r.removedVolumes());
            assertEquals(List.of(), runningAtDestroy, "postmaster still running when its volume was destroyed");
            assertTrue(fake.waitFor(10, TimeUnit.SECONDS), "the orphan's postmaster was signalled");
            assertTrue(backend.list().isEmpty());
        } finally {
            fake.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** A process whose working directory is {@code dir}, named in dir/postmaster.pid, as a real postmaster would be. */
    private static Process fakePostmaster(Path dir) throws IOException {
        Process p = new ProcessBuilder("sleep", "300").directory(dir.toFile()).start();
        Files.writeString(dir.resolve("postmaster.pid"), p.pid() + "\n" + dir + "\n");
        return p;
    }
}
