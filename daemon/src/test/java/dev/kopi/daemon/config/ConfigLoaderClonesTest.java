package dev.kopi.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.Duration;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.clone.ClonePolicy;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.PostgresConfig;

/** The {@code clones:} section and the postgres start/stop timeout bounds. */
class ConfigLoaderClonesTest {
    private static final String ORIGIN = "test.yaml";

    private static ClonePolicy clones(String yaml) {
        return ConfigLoader.parse(yaml, ORIGIN).clones();
    }

    private static void refusedNaming(String key, String yaml) {
        KopiException e = assertThrows(KopiException.class, () -> ConfigLoader.parse(yaml, ORIGIN));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        String prefix = "config " + ORIGIN + ": " + key + ": ";
        assertTrue(e.getMessage().startsWith(prefix), () -> "expected '" + prefix + "...' but got: " + e.getMessage());
    }

    @Test
    void defaultsAreNoTtlTwoHoursIdleNoLimitFiveSecondChecks() {
        ClonePolicy p = ConfigLoader.defaults().clones();
        assertEquals(ClonePolicy.DEFAULTS, p);
        assertEquals(Duration.ZERO, p.ttl());
        assertEquals(Duration.ofHours(2), p.idleTimeout());
        assertEquals(0, p.max());
        assertEquals(Duration.ofSeconds(5), p.checkInterval());
    }

    @Test
    void anEmptySectionMeansTheDefaults() {
        assertEquals(ClonePolicy.DEFAULTS, clones("clones:\n"));
        assertEquals(ClonePolicy.DEFAULTS, clones("clones: {}\n"));
    }

    @Test
    void everyKeyIsRead() {
        ClonePolicy p = clones("""
                clones:
                  ttl: 8h
                  idle_timeout: 1h30m
                  max: 50
                  check_interval: 500ms
                """);
        assertEquals(new ClonePolicy(Duration.ofHours(8), Duration.ofMinutes(90), 50, Duration.ofMillis(500)), p);
    }

    @Test
    void keysLeftOutKeepTheirDefaults() {
        ClonePolicy p = clones("clones:\n  max: 3\n");
        assertEquals(new ClonePolicy(Duration.ZERO, Duration.ofHours(2), 3, Duration.ofSeconds(5)), p);
    }

    @Test
    void zeroMeansNeverForTtlAndIdleTimeout() {
        ClonePolicy p = clones("clones:\n  ttl: 0\n  idle_timeout: 0\n");
        assertEquals(Duration.ZERO, p.ttl());
        assertEquals(Duration.ZERO, p.idleTimeout());
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "1, 1", "100000, 100000"})
    void maxIsAWholeNumberUpToOneHundredThousand(String text, int expected) {
        assertEquals(expected, clones("clones:\n  max: " + text + "\n").max());
    }

    @ParameterizedTest
    @CsvSource({"100ms, PT0.1S", "1s, PT1S", "10m, PT10M"})
    void checkIntervalBoundsAreInclusive(String text, Duration expected) {
        assertEquals(expected, clones("clones:\n  check_interval: " + text + "\n").checkInterval());
    }

    static Stream<Arguments> badClones() {
        return Stream.of(
                arguments("clones:\n  bogus: 1", "clones.bogus"),
                arguments("clones:\n  max_clones: 1", "clones.max_clones"),
                arguments("clones: 5", "clones"),
                arguments("clones: [a]", "clones"),
                arguments("clones:\n  ttl: 30", "clones.ttl"),
                arguments("clones:\n  ttl: soon", "clones.ttl"),
                arguments("clones:\n  ttl: -1h", "clones.ttl"),
                arguments("clones:\n  ttl: 3651d", "clones.ttl"),
                arguments("clones:\n  ttl: [1h]", "clones.ttl"),
                arguments("clones:\n  idle_timeout: 1.5h", "clones.idle_timeout"),
                arguments("clones:\n  idle_timeout: 2 hours", "clones.idle_timeout"),
                arguments("clones:\n  max: -1", "clones.max"),
                arguments("clones:\n  max: 1.5", "clones.max"),
                arguments("clones:\n  max: lots", "clones.max"),
                arguments("clones:\n  max: 100001", "clones.max"),
                arguments("clones:\n  max: 9999999999", "clones.max"),
                arguments("clones:\n  check_interval: 0", "clones.check_interval"),
                arguments("clones:\n  check_interval: 99ms", "clones.check_interval"),
                arguments("clones:\n  check_interval: 10m1ms", "clones.check_interval"),
                arguments("clones:\n  check_interval: 1h", "clones.check_interval"),
                arguments("clones:\n  check_interval: often", "clones.check_interval"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("badClones")
    void badClonesValueIsInvalidArgumentNamingTheKey(String yaml, String key) {
        refusedNaming(key, yaml);
    }

    @Test
    void maxAboveTheLimitSaysWhatTheLimitIs() {
        KopiException e = assertThrows(KopiException.class, () -> ConfigLoader.parse("clones:\n  max: 100001", ORIGIN));
        assertTrue(e.getMessage().contains("100000"), e.getMessage());
        assertTrue(e.getMessage().contains("0 for no limit"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"start_timeout", "stop_timeout"})
    void postgresTimeoutsAreBetweenAHundredMillisecondsAndAnHour(String key) {
        assertEquals(Duration.ofMillis(100), timeout(key, "100ms"));
        assertEquals(Duration.ofHours(1), timeout(key, "1h"));
        assertEquals(Duration.ofMinutes(59).plusSeconds(59), timeout(key, "59m59s"));
        for (String bad : new String[] {"0", "99ms", "1h1ms", "61m", "2h"}) {
            refusedNaming("postgres." + key, "postgres:\n  " + key + ": " + bad + "\n");
        }
    }

    @Test
    void postgresTimeoutsHaveTheirDefaults() {
        PostgresConfig pg = ConfigLoader.defaults().postgres();
        assertEquals(Duration.ofSeconds(60), pg.startTimeout());
        assertEquals(Duration.ofSeconds(10), pg.stopTimeout());
    }

    private static Duration timeout(String key, String text) {
        PostgresConfig pg = ConfigLoader.parse("postgres:\n  " + key + ": " + text + "\n", ORIGIN).postgres();
        return key.equals("start_timeout") ? pg.startTimeout() : pg.stopTimeout();
    }
}
