package dev.kopi.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** Durations go to kopid in its own notation. */
class DurationsTest {
    @Test
    void formatsLargestUnitsFirst() {
        assertEquals("0", Durations.format(Duration.ZERO));
        assertEquals("30s", Durations.format(Duration.ofSeconds(30)));
        assertEquals("15m", Durations.format(Duration.ofMinutes(15)));
        assertEquals("2h", Durations.format(Duration.ofHours(2)));
        assertEquals("7d", Durations.format(Duration.ofDays(7)));
        assertEquals("1h30m", Durations.format(Duration.ofMinutes(90)));
        assertEquals("1d1h1m1s", Durations.format(Duration.ofSeconds(86400 + 3600 + 61)));
        assertEquals("500ms", Durations.format(Duration.ofMillis(500)));
        assertEquals("1s500ms", Durations.format(Duration.ofMillis(1500)));
    }

    @Test
    void aPositiveDurationNeverBecomesNever() {
        assertEquals("1ms", Durations.format(Duration.ofNanos(1)));
    }

    @Test
    void negativeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Durations.format(Duration.ofSeconds(-5)));
        assertThrows(IllegalArgumentException.class, () -> Durations.format(Duration.ofSeconds(Long.MAX_VALUE)));
    }
}
