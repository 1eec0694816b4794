package dev.kopi.daemon.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class SnapshotRefTest {
    @Test
    void sourceAloneMeansTheNewestSnapshot() {
        SnapshotRef ref = SnapshotRef.parse("prod-nightly");
        assertEquals("prod-nightly", ref.source());
        assertEquals(Optional.empty(), ref.tag());
        assertFalse(ref.exact());
        assertEquals("prod-nightly", ref.toString());
    }

    @Test
    void sourceAtTagIsExact() {
        SnapshotRef ref = SnapshotRef.parse("prod-nightly@20261123T020000Z");
        assertEquals("prod-nightly", ref.source());
        assertEquals(Optional.of("20261123T020000Z"), ref.tag());
        assertTrue(ref.exact());
        assertEquals("prod-nightly@20261123T020000Z", ref.toString());
    }

    @Test
    void nameJoinsSourceAndTagTheWayParseSplitsThem() {
        String name = SnapshotRef.name("db", "20260101T000000Z");
        assertEquals("db@20260101T000000Z", name);
        assertEquals(new SnapshotRef("db", Optional.of("20260101T000000Z")), SnapshotRef.parse(name));
    }

    @ParameterizedTest
    @NullAndEmptySource
    void emptyIsRefusedWithUsage(String text) {
        KopiException e = assertThrows(KopiException.class, () -> SnapshotRef.parse(text));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("SOURCE@TAG"), e.getMessage());
    }

    @Test
    void missingSourceBeforeTheAtIsRefused() {
        KopiException e = assertThrows(KopiException.class, () -> SnapshotRef.parse("@20261123T020000Z"));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        assertEquals("source name is empty", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"prod@", "prod@a@b", "Prod", "Prod@x", "prod@../etc", "../x@y", "prod@a b", "prod;id",
            "prod@$(id)", "prod/x@y"})
    void malformedReferencesAreInvalidArgument(String text) {
        KopiException e = assertThrows(KopiException.class, () -> SnapshotRef.parse(text));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
    }
}
