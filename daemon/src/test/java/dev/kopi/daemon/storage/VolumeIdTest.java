package dev.kopi.daemon.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.core.KopiException;

class VolumeIdTest {
    @Test
    void relativeLayoutPerKind() {
        assertEquals("staging/prod-1a2b3c4d", VolumeId.staging("prod-1a2b3c4d").relative());
        assertEquals("snapshots/prod/20261123T020000Z", VolumeId.snapshot("prod", "20261123T020000Z").relative());
        assertEquals("clones/prod-x7k2qp", VolumeId.clone("prod-x7k2qp").relative());
    }

    @Test
    void toStringIsTheRelativePath() {
        assertEquals("clones/c1", VolumeId.clone("c1").toString());
    }

    @Test
    void kindsUseTheirDirectories() {
        assertEquals(VolumeId.Kind.STAGING, VolumeId.staging("s").kind());
        assertEquals(VolumeId.Kind.SNAPSHOT, VolumeId.snapshot("s", "t").kind());
        assertEquals(VolumeId.Kind.CLONE, VolumeId.clone("c").kind());
    }

    static Stream<VolumeId> volumes() {
        return Stream.of(VolumeId.staging("prod-1a2b3c4d"), VolumeId.staging("Mixed-Case.Tag_1"),
                VolumeId.snapshot("prod", "20261123T020000Z"), VolumeId.snapshot("a.b", "v1-2"),
                VolumeId.clone("prod-x7k2qp"), VolumeId.clone("c"));
    }

    @ParameterizedTest
    @MethodSource("volumes")
    void parseReversesRelative(VolumeId v) {
        assertEquals(Optional.of(v), VolumeId.parse(v.relative()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "clones", "clones/", "staging", "snapshots/prod", "snapshots/prod/t/extra",
            "clones/a/b", "/clones/a", "clones//a", "images/a", "lost+found", "clones/lost+found", "clones/.snapshot",
            "clones/..", "clones/UPPER", "staging/..", "snapshots/../t", "snapshots/Prod/t", "snapshots/p/..",
            "garbage with spaces", "clones/a b"})
    void foreignOrGarbagePathsAreNotVolumes(String relative) {
        assertEquals(Optional.empty(), VolumeId.parse(relative));
    }

    @Test
    void cloneNamesOverSixtyThreeCharactersAreNotVolumes() {
        assertEquals(Optional.empty(), VolumeId.parse("clones/" + "a".repeat(64)));
        assertEquals(Optional.of(VolumeId.clone("a".repeat(63))), VolumeId.parse("clones/" + "a".repeat(63)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"UPPER", "../x", "a/b", "", ".x", "a b"})
    void cloneConstructorRefusesInvalidNames(String name) {
        KopiException e = assertThrows(KopiException.class, () -> VolumeId.clone(name));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "a/b", "", "a..b", "-x"})
    void stagingConstructorRefusesInvalidIds(String id) {
        assertThrows(KopiException.class, () -> VolumeId.staging(id));
    }

    @Test
    void snapshotConstructorChecksSourceAndTag() {
        assertThrows(KopiException.class, () -> VolumeId.snapshot("Prod", "t"));
        assertThrows(KopiException.class, () -> VolumeId.snapshot("prod", "../t"));
        assertThrows(KopiException.class, () -> VolumeId.snapshot("prod", "a/b"));
        assertThrows(KopiException.class, () -> VolumeId.snapshot("prod", null));
    }

    @Test
    void onlySnapshotsHaveTags() {
        assertThrows(IllegalArgumentException.class, () -> new VolumeId(VolumeId.Kind.CLONE, "c", "t"));
        assertThrows(IllegalArgumentException.class, () -> new VolumeId(VolumeId.Kind.STAGING, "s", "t"));
    }

    @Test
    void equalIdsAreEqualValues() {
        assertEquals(VolumeId.clone("c"), new VolumeId(VolumeId.Kind.CLONE, "c", null));
        assertTrue(VolumeId.snapshot("s", "t").equals(VolumeId.parse("snapshots/s/t").orElseThrow()));
    }
}
