package dev.kopi.daemon.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.kopi.daemon.testing.MutableClock;

class FailedAttemptsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
    private final FailedAttempts failures = new FailedAttempts(clock);

    @Test
    void aPeerIsHeldBackAfterTheLimitUntilItsOldestFailureLeavesTheWindow() {
        for (int i = 0; i < FailedAttempts.LIMIT - 1; i++) {
            failures.failed("10.0.0.9");
            clock.advance(Duration.ofSeconds(1));
        }
        assertEquals(Duration.ZERO, failures.wait("10.0.0.9"));
        failures.failed("10.0.0.9");
        Duration wait = failures.wait("10.0.0.9");
        assertTrue(wait.compareTo(Duration.ofSeconds(50)) > 0 && wait.compareTo(FailedAttempts.WINDOW) <= 0, wait.toString());
        assertEquals(Duration.ZERO, failures.wait("10.0.0.10"), "another peer is not held back");
        clock.advance(wait);
        assertEquals(Duration.ZERO, failures.wait("10.0.0.9"));
    }
}
