package dev.kopi.daemon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.core.KopiException;

/** The replica kind's keys: replica, slot, wal_keep, checked before anything reaches SQL or a path. */
class ReplicaDefinitionTest {
    private static SourceDefinition.Builder replica() {
        return SourceDefinition.builder("prod").replica("host=db1 user=kopi password=s3cret");
    }

    @Test
    void aReplicaSourceWithItsDefaults() {
        Source s = replica().build().toSource(Source.Origin.API);
        assertEquals(Source.Kind.REPLICA, s.kind());
        assertEquals(Duration.ofHours(24), s.walKeep());
        assertNull(s.settings().slot());
        assertTrue(s.location().contains("password=********"), s.location());
    }

    @Test
    void slotAndWalKeepAreKept() {
        Source s = replica().slot("kopi_prod").walKeep("2h").build().toSource(Source.Origin.API);
        assertEquals("kopi_prod", s.settings().slot());
        assertEquals(Duration.ofHours(2), s.walKeep());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Kopi", "a'b", "x; DROP", "", "a-b"})
    void slotNamesThatAreNotSlotNamesAreRefused(String slot) {
        KopiException e = assertThrows(KopiException.class, () -> replica().slot(slot).build()
                .toSource(Source.Origin.API));
        assertTrue(e.getMessage().contains("slot"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "forever", "-1h"})
    void badWalKeepIsRefused(String keep) {
        KopiException e = assertThrows(KopiException.class, () -> replica().walKeep(keep).build()
                .toSource(Source.Origin.API));
        assertTrue(e.getMessage().contains("wal_keep"), e.getMessage());
    }

    @Test
    void slotAndWalKeepBelongToReplicaSources() {
        KopiException e = assertThrows(KopiException.class, () -> SourceDefinition.builder("bb")
                .basebackup("host=db1").slot("x").build().toSource(Source.Origin.API));
        assertTrue(e.getMessage().contains("replica"), e.getMessage());
        assertThrows(KopiException.class, () -> replica().dump("host=db1").build().toSource(Source.Origin.API));
    }
}
