package dev.kopi.daemon.storage.zfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.storage.PoolUsage;
import dev.kopi.daemon.storage.VolumeId;

class ZfsBackendTest {
    private static final String ROOT = "tank/kopi";
    private static final VolumeId STAGING = VolumeId.staging("prod-0a1b2c3d");
    private static final VolumeId SNAP = VolumeId.snapshot("prod", "20261123T020000Z");
    private static final VolumeId CLONE = VolumeId.clone("c1");

    private FakeZfs zfs;
    private ZfsBackend backend;

    @BeforeEach
    void setUp() {
        zfs = new FakeZfs("tank");
        backend = new ZfsBackend(ROOT, zfs);
    }

    private void publishSnapshot() {
        backend.create(STAGING);
        backend.seal(STAGING, SNAP);
    }

    @Test
    void openingCreatesTheRootAndOneDatasetPerKind() {
        assertTrue(zfs.datasets.keySet().containsAll(
                List.of("tank/kopi", "tank/kopi/staging", "tank/kopi/snapshots", "tank/kopi/clones")));
        int creates = zfs.callsOf("create").size();
        new ZfsBackend(ROOT, zfs);
        assertEquals(creates, zfs.callsOf("create").size(), "nothing is created twice");
    }

    @Test
    void aSourcesDatasetGoesWithItsLastVolumeAndNotBefore() {
        VolumeId standby = VolumeId.replica("rep", "standby");
        VolumeId wal = VolumeId.replica("rep", "wal");
        backend.create(standby);
        backend.create(wal);
        backend.destroy(standby);
        assertTrue(zfs.datasets.containsKey("tank/kopi/replicas/rep"), "its archive is still below it");
        assertTrue(zfs.datasets.containsKey("tank/kopi/replicas/rep/wal"));
        backend.destroy(wal);
        assertFalse(zfs.datasets.containsKey("tank/kopi/replicas/rep"), "no empty replicas/rep is left");
        assertTrue(zfs.datasets.containsKey("tank/kopi/replicas"));

        publishSnapshot();
        backend.destroy(SNAP);
        assertFalse(zfs.datasets.containsKey("tank/kopi/snapshots/prod"), "nor an empty snapshots/prod");
        assertTrue(zfs.datasets.containsKey("tank/kopi/snapshots"));
    }

    @Test
    void theHealthCheckAsksWhetherTheRootDatasetIsMounted() {
        zfs.datasets.get("tank/kopi").put("mounted", "yes");
        assertEquals(Optional.empty(), backend.problem());
        zfs.datasets.get("tank/kopi").put("mounted", "no");
        assertEquals(Optional.of("ZFS dataset tank/kopi is not mounted (mounted=no)"), backend.problem());
        zfs.fail("get", 1, "internal error: failed to initialize ZFS library");
        assertEquals(Optional.of("ZFS dataset tank/kopi cannot be read: internal error: failed to initialize ZFS "
                + "library"), backend.problem());
    }

    @Test
    void missingPoolIsFailedPrecondition() {
        KopiException e = assertThrows(KopiException.class, () -> new ZfsBackend("nopool/kopi", new FakeZfs("tank")));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("'nopool'"), e.getMessage());
    }

    @Test
    void missingZfsCommandIsUnavailable() {
        FakeZfs broken = new FakeZfs("tank");
        broken.breakBinary();
        assertEquals(KopiException.Kind.UNAVAILABLE,
                assertThrows(KopiException.class, () -> new ZfsBackend(ROOT, broken)).kind());
    }

    @Test
    void volumesAreDatasetsBelowTheRootMountedUnderItsMountpoint() {
        Path p = backend.create(STAGING);
        assertTrue(zfs.datasets.containsKey("tank/kopi/staging/prod-0a1b2c3d"));
        assertEquals(Path.of("/tank/kopi/staging/prod-0a1b2c3d"), p);
        assertEquals(Path.of("/tank/kopi/clones/c1"), backend.path(CLONE));
    }

    @Test
    void sealSnapshotsThenMakesReadOnlyThenUnmountsRenamesAndMounts() {
        backend.create(STAGING);
        zfs.calls.clear();

        Path p = backend.seal(STAGING, SNAP);

        assertEquals(List.of(
                List.of("zfs", "snapshot", "tank/kopi/staging/prod-0a1b2c3d@kopi"),
                List.of("zfs", "set", "readonly=on", "tank/kopi/staging/prod-0a1b2c3d"),
                List.of("zfs", "unmount", "tank/kopi/staging/prod-0a1b2c3d"),
                List.of("zfs", "rename", "-p", "tank/kopi/staging/prod-0a1b2c3d",
                        "tank/kopi/snapshots/prod/20261123T020000Z"),
                List.of("zfs", "mount", "tank/kopi/snapshots/prod/20261123T020000Z")), zfs.calls);
        assertEquals("yes", zfs.datasets.get("tank/kopi/snapshots/prod/20261123T020000Z").get("mounted"));
        assertEquals(Path.of("/tank/kopi/snapshots/prod/20261123T020000Z"), p);
        assertTrue(zfs.snapshots.contains("tank/kopi/snapshots/prod/20261123T020000Z@kopi"));
    }

    @Test
    void clonesAreZfsClonesOfTheSealSnapshot() {
        publishSnapshot();
        backend.clone(SNAP, CLONE);
        assertEquals("tank/kopi/snapshots/prod/20261123T020000Z@kopi",
                zfs.datasets.get("tank/kopi/clones/c1").get("origin"));
    }

    @Test
    void listReturnsOnlyKopiVolumes() {
        publishSnapshot();
        backend.clone(SNAP, CLONE);
        backend.create(VolumeId.staging("other-ffffffff"));
        zfs.add("tank/kopi/clones/NotOurs", null);
        zfs.add("tank/kopi/images", null);
        zfs.add("tank/other/clones/x", null);

        assertEquals(List.of(CLONE, SNAP, VolumeId.staging("other-ffffffff")), backend.list());
    }

    @Test
    void destroyOfAMissingVolumeDoesNothing() {
        zfs.calls.clear();
        backend.destroy(CLONE);
        assertTrue(zfs.callsOf("destroy").isEmpty());
    }

    @Test
    void destroyingASnapshotVolumeWithACloneFirstPromotesTheClone() {
        publishSnapshot();
        backend.clone(SNAP, CLONE);

        backend.destroy(SNAP);

        assertEquals(List.of(List.of("zfs", "promote", "tank/kopi/clones/c1")), zfs.callsOf("promote"));
        assertEquals(List.of(CLONE), backend.list(), "the clone keeps its data");
        assertFalse(zfs.datasets.get("tank/kopi/clones/c1").containsKey("origin"), "it depends on nothing now");
        backend.destroy(CLONE);
        assertEquals(List.of(), backend.list());
        assertTrue(zfs.snapshots.isEmpty());
    }

    @Test
    void withoutPromotionZfsRefusesToDestroyASnapshotVolumeWithClones() {
        publishSnapshot();
        backend.clone(SNAP, CLONE);
        zfs.fail("promote", 1, "cannot promote 'tank/kopi/clones/c1': permission denied");
        KopiException e = assertThrows(KopiException.class, () -> backend.destroy(SNAP));
        assertEquals(KopiException.Kind.INTERNAL, e.kind());
        assertTrue(e.getMessage().contains("promote"), e.getMessage());
        assertTrue(zfs.callsOf("destroy").isEmpty(), "nothing is destroyed when a dependent cannot be released");
        assertEquals(List.of(CLONE, SNAP), backend.list());
    }

    @Test
    void busyDatasetsAreRetried() {
        backend.create(STAGING);
        zfs.fail("destroy", 2, "cannot destroy 'tank/kopi/staging/prod-0a1b2c3d': dataset is busy");
        backend.destroy(STAGING);
        assertEquals(3, zfs.callsOf("destroy").size());
        assertFalse(zfs.datasets.containsKey("tank/kopi/staging/prod-0a1b2c3d"));
    }

    @Test
    void otherDestroyFailuresAreNotRetried() {
        backend.create(STAGING);
        zfs.fail("destroy", 1, "cannot destroy: permission denied");
        KopiException e = assertThrows(KopiException.class, () -> backend.destroy(STAGING));
        assertEquals(KopiException.Kind.INTERNAL, e.kind());
        assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
        assertEquals(1, zfs.callsOf("destroy").size());
    }

    @Test
    void fullPoolIsResourceExhausted() {
        zfs.fail("create", 1, "cannot create 'tank/kopi/staging/x': out of space");
        KopiException e = assertThrows(KopiException.class, () -> backend.create(STAGING));
        assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED, e.kind());
    }

    @Test
    void usageIsUsedPlusAvailable() {
        assertEquals(new PoolUsage(4000, 1000, 3000), backend.usage());
    }

    @Test
    void unmountedRootIsFailedPrecondition() {
        zfs.datasets.get(ROOT).put("mountpoint", "none");
        KopiException e = assertThrows(KopiException.class, () -> backend.path(CLONE));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
    }

    @Test
    void dataDirectoryThatIsADatasetIsSnapshottedAndCloned() {
        zfs.add("tank/pg", null);
        zfs.datasets.get("tank/pg").put("mountpoint", "/var/lib/postgresql/16/main");

        Optional<Path> p = backend.snapshotOf(Path.of("/var/lib/postgresql/16/main/"), STAGING);

        assertEquals(Optional.of(Path.of("/tank/kopi/staging/prod-0a1b2c3d")), p);
        assertTrue(zfs.snapshots.contains("tank/pg@kopi-prod-0a1b2c3d"));
        assertEquals("tank/pg@kopi-prod-0a1b2c3d", zfs.datasets.get("tank/kopi/staging/prod-0a1b2c3d").get("origin"));
    }

    @Test
    void destroyingTheStagingCopyAlsoRemovesItsSnapshotOfTheSource() {
        zfs.add("tank/pg", null);
        zfs.datasets.get("tank/pg").put("mountpoint", "/srv/pg");
        backend.snapshotOf(Path.of("/srv/pg"), STAGING);

        backend.destroy(STAGING);

        assertFalse(zfs.snapshots.contains("tank/pg@kopi-prod-0a1b2c3d"));
        assertTrue(zfs.datasets.containsKey("tank/pg"), "the source itself is untouched");
    }

    @Test
    void failedCloneOfTheSourceSnapshotRemovesThatSnapshot() {
        zfs.add("tank/pg", null);
        zfs.datasets.get("tank/pg").put("mountpoint", "/srv/pg");
        zfs.fail("clone", 1, "cannot create: out of space");

        KopiException e = assertThrows(KopiException.class, () -> backend.snapshotOf(Path.of("/srv/pg"), STAGING));

        assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED, e.kind());
        assertFalse(zfs.snapshots.contains("tank/pg@kopi-prod-0a1b2c3d"));
    }

    @Test
    void dataDirectoryThatIsNotADatasetMountpointIsCopiedInstead() {
        zfs.add("tank/pg", null);
        zfs.datasets.get("tank/pg").put("mountpoint", "/srv/pg");
        assertEquals(Optional.empty(), backend.snapshotOf(Path.of("/srv/pg/16/main"), STAGING));
        assertTrue(zfs.callsOf("snapshot").isEmpty());
    }
}
