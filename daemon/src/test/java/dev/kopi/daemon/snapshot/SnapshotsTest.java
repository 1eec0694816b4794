package dev.kopi.daemon.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.rpc.Calls;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.daemon.testing.CloneFixture;

class SnapshotsTest {
    @TempDir
    Path tmp;
    private CloneFixture f;
    private Snapshots snapshots;
    private SnapshotRecord older;
    private SnapshotRecord newer;

    @BeforeEach
    void setUp() throws Exception {
        f = new CloneFixture(tmp);
        snapshots = new Snapshots(f.catalog, f.backend, f.clones, null, name -> false, f.events);
        older = f.publish("prod", "20261123T020000Z", "2026-11-23T02:00:00Z");
        newer = f.publish("prod", "20261124T020000Z", "2026-11-24T02:00:00Z");
    }

    @Test
    void listIsNewestFirstWithLatestFlagAndCloneCounts() {
        SnapshotRecord other = f.publish("analytics", "20261101T000000Z", "2026-11-01T00:00:00Z");
        f.existingClone("a", older, f.firstPort);
        f.existingClone("b", older, f.firstPort + 1);

        List<SnapshotView> all = snapshots.list("");

        assertEquals(List.of(new SnapshotView(other, 0, true), new SnapshotView(newer, 0, true),
                new SnapshotView(older, 2, false)), all);
        assertEquals(List.of(new SnapshotView(newer, 0, true), new SnapshotView(older, 2, false)),
                snapshots.list("prod"));
    }

    @Test
    void listRefusesAnInvalidSourceName() {
        assertEquals(KopiException.Kind.INVALID_ARGUMENT,
                assertThrows(KopiException.class, () -> snapshots.list("../x")).kind());
    }

    @Test
    void deleteNeedsTheExactSnapshot() {
        KopiException e = assertThrows(KopiException.class, () -> Calls.delete(snapshots, "prod", false));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        assertEquals(2, f.catalog.snapshots().size());
    }

    @Test
    void deleteWithoutClonesRemovesVolumeAndRecord() {
        Snapshots.Deleted d = Calls.delete(snapshots, older.name(), false);
        assertEquals(new Snapshots.Deleted(older.name(), List.of()), d);
        assertFalse(f.backend.contains(VolumeId.snapshot("prod", older.tag())));
        assertTrue(f.catalog.snapshot(older.ref()).isEmpty());
        assertTrue(f.catalog.snapshot(newer.ref()).isPresent());
    }

    @Test
    void deleteWithClonesIsRefusedAndChangesNothing() {
        f.existingClone("a", older, f.firstPort);
        KopiException e = assertThrows(KopiException.class, () -> Calls.delete(snapshots, older.name(), false));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("(a)"), e.getMessage());
        assertTrue(f.backend.destroyed().isEmpty());
        assertTrue(f.catalog.snapshot(older.ref()).isPresent());
        assertTrue(f.catalog.clone("a").isPresent());
    }

    @Test
    void forcedDeleteDestroysClonesFirst() {
        f.existingClone("a", older, f.firstPort);
        f.existingClone("b", older, f.firstPort + 1);
        f.existingClone("keep", newer, f.firstPort + 2);

        Snapshots.Deleted d = Calls.delete(snapshots, older.name(), true);

        assertEquals(List.of("a", "b"), d.destroyedClones());
        assertEquals(List.of(VolumeId.clone("a"), VolumeId.clone("b"), VolumeId.snapshot("prod", older.tag())),
                f.backend.destroyed());
        assertEquals(List.of("keep"), f.catalog.clones().stream().map(c -> c.name()).toList());
        assertEquals(CloneFixture.PORTS - 1, f.ports.free());
    }

    @Test
    void deleteOfAMissingSnapshotIsNotFound() {
        KopiException e = assertThrows(KopiException.class, () -> Calls.delete(snapshots, "prod@20990101T000000Z", false));
        assertEquals(KopiException.Kind.NOT_FOUND, e.kind());
    }

    @Test
    void afterADeleteNewClonesOfOtherSnapshotsAreStillPossible() {
        Calls.delete(snapshots, older.name(), false);
        KopiException e = assertThrows(KopiException.class, () -> Calls.create(f.clones, older.name(), "c1", null));
        assertEquals(KopiException.Kind.NOT_FOUND, e.kind());
        KopiException startFails = assertThrows(KopiException.class, () -> Calls.create(f.clones, "prod", "c1", null));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, startFails.kind(), "not refused as being deleted");
    }
}
