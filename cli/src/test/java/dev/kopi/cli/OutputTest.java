package dev.kopi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;

import org.junit.jupiter.api.Test;

/** The human renderings of times and sizes in tables. */
class OutputTest {
    private static final Instant NOW = Instant.parse("2026-11-23T02:00:00Z");

    @Test
    void untilIsRelativeWithTheTwoLargestUnitsRoundedDown() {
        assertEquals("in 1h59m", Output.until("2026-11-23T03:59:59.999Z", NOW));
        assertEquals("in 2h", Output.until("2026-11-23T04:00:00Z", NOW));
        assertEquals("in 2h", Output.until("2026-11-23T04:00:59Z", NOW), "seconds beyond two units are dropped");
        assertEquals("in 1d3h", Output.until("2026-11-24T05:30:00Z", NOW));
        assertEquals("in 7d", Output.until("2026-11-30T02:00:00Z", NOW));
        assertEquals("in 45s", Output.until("2026-11-23T02:00:45Z", NOW));
        assertEquals("in 12m30s", Output.until("2026-11-23T02:12:30Z", NOW));
        assertEquals("in 0s", Output.until("2026-11-23T02:00:00Z", NOW));
        assertEquals("in 1h", Output.until("2026-11-23T04:00:00+01:00", NOW), "an offset is understood too");
    }

    @Test
    void untilForNeverPastAndNonsense() {
        assertEquals("never", Output.until("", NOW));
        assertEquals("expired", Output.until("2026-11-23T01:59:59Z", NOW));
        assertEquals("tomorrow", Output.until("tomorrow", NOW), "shown as is rather than failing the listing");
    }

    @Test
    void timeoutIsExact() {
        assertEquals("never", Output.timeout(0));
        assertEquals("2h", Output.timeout(7200));
        assertEquals("1h30m", Output.timeout(5400));
        assertEquals("1d2h3m4s", Output.timeout(93_784));
        assertEquals("7d", Output.timeout(7 * 86_400));
        assertEquals("45s", Output.timeout(45));
    }

    @Test
    void bytesOrDash() {
        assertEquals("-", Output.bytesOrDash(-1));
        assertEquals("0 B", Output.bytesOrDash(0));
        assertEquals("1.5 KiB", Output.bytesOrDash(1536));
    }
}
