package dev.kopi.daemon.clone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.rpc.Calls;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.daemon.testing.CloneFixture;

class ClonesTest {
    @TempDir
    Path tmp;
    private CloneFixture f;
    private SnapshotRecord snap;

    @BeforeEach
    void setUp() throws Exception {
        f = new CloneFixture(tmp);
        snap = f.publish("prod", "20261123T020000Z", "2026-11-23T02:00:00Z");
    }

    private KopiException createFails(String snapshot, String name, String database) {
        return assertThrows(KopiException.class, () -> Calls.create(f.clones, snapshot, name, database));
    }

    private void assertNothingLeftBehind() {
        assertEquals(List.of(VolumeId.snapshot("prod", "20261123T020000Z")), f.backend.list());
        assertTrue(f.catalog.clones().isEmpty());
        assertEquals(CloneFixture.PORTS, f.ports.free(), "port released");
        assertTrue(f.runner.calls().isEmpty());
    }

    @Test
    void failedStartUndoesVolumeAndPortAndRecordsNothing() throws Exception {
        KopiException e = createFails("prod", "c1", null);

        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("binaries not found"), e.getMessage());
        assertEquals(List.of(VolumeId.clone("c1")), f.backend.destroyed());
        assertNothingLeftBehind();
        assertFalse(Files.exists(f.logDir.resolve("c1.log")));
    }

    @Test
    void nameOfAFailedCreateIsFreeAgain() {
        createFails("prod", "c1", null);
        KopiException again = createFails("prod", "c1", null);
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, again.kind(), again.getMessage());
    }

    @Test
    void poolBelowTheFloorIsResourceExhaustedBeforeAnythingIsMade() {
        f.backend.setFree(CloneFixture.MIN_FREE - 1);
        KopiException e = createFails("prod", "c1", null);
        assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED, e.kind());
        assertTrue(e.getMessage().contains("pool.min_free"), e.getMessage());
        assertTrue(f.backend.destroyed().isEmpty());
        assertNothingLeftBehind();
    }

    @Test
    void failedVolumeCloneReleasesThePort() {
        f.backend.failClonesWith(KopiException.exhausted("pool is full while trying to clone"));
        KopiException e = createFails("prod@20261123T020000Z", null, null);
        assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED, e.kind());
        assertNothingLeftBehind();
    }

    @Test
    void noFreePortIsResourceExhausted() {
        for (int i = 0; i < CloneFixture.PORTS; i++) {
            f.ports.claim(f.firstPort + i);
        }
        KopiException e = createFails("prod", "c1", null);
        assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED, e.kind());
        assertEquals(List.of(VolumeId.snapshot("prod", "20261123T020000Z")), f.backend.list());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bad", "../x", "a b", "$(id)"})
    void invalidCloneNameIsRefused(String name) {
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, createFails("prod", name, null).kind());
        assertNothingLeftBehind();
    }

    @Test
    void invalidDatabaseNameIsRefusedWithAPrintableMessage() {
        KopiException slash = createFails("prod", "c1", "a/b");
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, slash.kind());
        KopiException control = createFails("prod", "c1", "db\nDROP");
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, control.kind());
        assertFalse(control.getMessage().contains("\n"), control.getMessage());
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, createFails("prod", "c1", "d".repeat(64)).kind());
        assertNothingLeftBehind();
    }

    @Test
    void unknownSnapshotIsNotFound() {
        assertEquals(KopiException.Kind.NOT_FOUND, createFails("nosuch", "c1", null).kind());
        assertEquals(KopiException.Kind.NOT_FOUND, createFails("prod@20990101T000000Z", "c1", null).kind());
    }

    @Test
    void existingCloneNameIsAlreadyExists() {
        f.existingClone("c1", snap, f.firstPort);
        KopiException e = createFails("prod", "c1", null);
        assertEquals(KopiException.Kind.ALREADY_EXISTS, e.kind());
        assertTrue(f.backend.contains(VolumeId.clone("c1")), "the existing clone is untouched");
        assertTrue(f.catalog.clone("c1").isPresent());
    }

    @Test
    void destroyRemovesVolumeRecordAndPort() throws Exception {
        CloneRecord c = f.existingClone("c1", snap, f.firstPort + 1);
        Path log = Files.writeString(f.logDir.resolve("c1.log"), "old log");

        f.clones.destroy("c1");

        assertFalse(f.backend.contains(VolumeId.clone("c1")));
        assertTrue(f.catalog.clone(c.name()).isEmpty());
        assertEquals(CloneFixture.PORTS, f.ports.free());
        assertFalse(Files.exists(log));
        assertTrue(f.runner.calls().isEmpty());
    }

    @Test
    void destroyOfAnUnknownCloneIsNotFound() {
        KopiException e = assertThrows(KopiException.class, () -> f.clones.destroy("ghost"));
        assertEquals(KopiException.Kind.NOT_FOUND, e.kind());
        assertEquals(KopiException.Kind.INVALID_ARGUMENT,
                assertThrows(KopiException.class, () -> f.clones.destroy("../ghost")).kind());
    }

    @Test
    void cloneWithoutARunningInstanceIsReportedAsFailed() {
        f.existingClone("c1", snap, f.firstPort);
        CloneView v = f.clones.get("c1");
        assertEquals(CloneView.State.FAILED, v.state());
        assertEquals(0, v.pid());
        assertTrue(v.message().contains("c1.log"), v.message());
        assertEquals("postgresql://kopi_ab12cd34:pw@127.0.0.1:" + f.firstPort + "/app", v.uri());
    }

    @Test
    void listFiltersBySourceOrExactSnapshot() {
        SnapshotRecord newer = f.publish("prod", "20261124T020000Z", "2026-11-24T02:00:00Z");
        SnapshotRecord other = f.publish("prod2", "20261124T020000Z", "2026-11-24T02:00:00Z");
        f.existingClone("a", snap, f.firstPort);
        f.existingClone("b", newer, f.firstPort + 1);
        f.existingClone("c", other, f.firstPort + 2);

        assertEquals(List.of("a", "b", "c"), names(Calls.list(f.clones, "")));
        assertEquals(List.of("a", "b"), names(Calls.list(f.clones, "prod")));
        assertEquals(List.of("b"), names(Calls.list(f.clones, newer.name())));
        assertEquals(List.of("c"), names(Calls.list(f.clones, "prod2")));
    }

    private static List<String> names(List<CloneView> views) {
        return views.stream().map(v -> v.record().name()).toList();
    }
}
