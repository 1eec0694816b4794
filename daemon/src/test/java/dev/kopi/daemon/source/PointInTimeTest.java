package dev.kopi.daemon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Names;

/** Point-in-time targets: valid by construction, and tags that are snapshot tags. */
class PointInTimeTest {
    @Test
    void aTimeIsTaggedInUtcToTheSecondOrMillisecond() {
        assertEquals("at-20261130T101500Z", PointInTime.at(Instant.parse("2026-11-30T10:15:00Z")).tag());
        String ms = PointInTime.at(Instant.parse("2026-11-30T10:15:00.250Z")).tag();
        assertEquals("at-20261130T101500.250Z", ms);
        Names.requireTag(ms);
    }

    @Test
    void anLsnIsTaggedWithoutItsSlash() {
        PointInTime p = PointInTime.ofLsn("0/3000148");
        assertEquals("lsn-0-3000148", p.tag());
        Names.requireTag(p.tag());
    }

    @Test
    void whatIsNotAnLsnIsRefusedBeforeItReachesRecoverySettings() {
        for (String bad : new String[] {"0/3000148'", "x/1", "0/", "1/2/3", "0/123456789"}) {
            KopiException e = assertThrows(KopiException.class, () -> PointInTime.ofLsn(bad), bad);
            assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        }
    }
}
