package dev.kopi.daemon.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.Duration;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    static Stream<Arguments> valid() {
        return Stream.of(
                arguments("0", Duration.ZERO),
                arguments("0s", Duration.ZERO),
                arguments("0ms", Duration.ZERO),
                arguments("500ms", Duration.ofMillis(500)),
                arguments("30s", Duration.ofSeconds(30)),
                arguments("15m", Duration.ofMinutes(15)),
                arguments("2h", Duration.ofHours(2)),
                arguments("7d", Duration.ofDays(7)),
                arguments("1h30m", Duration.ofMinutes(90)),
                arguments("1d2h3m4s5ms", Duration.ofDays(1).plusHours(2).plusMinutes(3).plusSeconds(4).plusMillis(5)),
                arguments("90m", Duration.ofMinutes(90)),
                arguments("1m500ms", Duration.ofMillis(60_500)),
                arguments("  2h\t", Duration.ofHours(2)),
                arguments("3650d", Duration.ofDays(3650)),
                arguments("999999999ms", Duration.ofMillis(999_999_999)));
    }

    @ParameterizedTest
    @MethodSource("valid")
    void parsesNumberUnitParts(String text, Duration expected) {
        assertEquals(expected, Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "1", "30", "h", "ms", "1x", "1H", "2 h", "1h 30m", "-1h", "+1h", "1.5h", "00",
            "1e3s", "0x10s", "1234567890s", "2h,", "h2", "\u0661h", "１h", "2h\n3h", "1w", "1y"})
    void refusesWhatIsNotADuration(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertTrue(e.getMessage().contains("is not a duration"), e.getMessage());
        assertTrue(e.getMessage().contains("30s, 15m, 2h, 7d"), "the message shows how to write one: " + e.getMessage());
    }

    @Test
    void nullIsNotADuration() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(null));
        assertTrue(e.getMessage().startsWith("'' is not a duration"), e.getMessage());
    }

    @Test
    void messageForControlCharactersStaysOnOneLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse("2h\u001b[2J\ninjected"));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertFalse(e.getMessage().contains("\u001b"), e.getMessage());
    }

    @Test
    void moreThanTenYearsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse("3650d1ms"));
        assertTrue(e.getMessage().contains("longer than 10 years"), e.getMessage());
        assertTrue(e.getMessage().contains("use 0 for none"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("3651d"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("999999999d"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("87601h"));
    }

    @Test
    void aSumTooLargeForMillisecondsIsRefusedNotOverflowed() {
        // 200 parts of ~2.7 million years each: beyond what a long counts in milliseconds.
        String huge = "999999999d".repeat(200);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(huge));
        assertTrue(e.getMessage().contains("too long a duration"), e.getMessage());
    }

    @Test
    void partsAddUpWhateverTheirOrder() {
        assertEquals(Duration.ofMinutes(90), Durations.parse("30m1h"));
        assertEquals(Duration.ofHours(2), Durations.parse("1h1h"));
    }

    @Test
    void parseArgumentIsInvalidArgumentNamingWhat() {
        KopiException e = assertThrows(KopiException.class, () -> Durations.parseArgument("ttl", "soon"));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().startsWith("ttl: 'soon' is not a duration"), e.getMessage());

        KopiException tooLong = assertThrows(KopiException.class, () -> Durations.parseArgument("idle timeout", "4000d"));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, tooLong.kind());
        assertTrue(tooLong.getMessage().startsWith("idle timeout: "), tooLong.getMessage());

        assertEquals(Duration.ofMinutes(45), Durations.parseArgument("ttl", "45m"));
    }

    static Stream<Arguments> formats() {
        return Stream.of(
                arguments(Duration.ZERO, "0"),
                arguments(Duration.ofSeconds(-5), "0"),
                arguments(Duration.ofSeconds(45), "45s"),
                arguments(Duration.ofMinutes(15), "15m"),
                arguments(Duration.ofHours(2), "2h"),
                arguments(Duration.ofMinutes(90), "1h30m"),
                arguments(Duration.ofDays(7), "7d"),
                arguments(Duration.ofDays(1).plusSeconds(1), "1d1s"),
                arguments(Duration.ofSeconds(3661), "1h1m1s"),
                arguments(Duration.ofMillis(500), "500ms"),
                arguments(Duration.ofMillis(1), "1ms"));
    }

    @ParameterizedTest
    @MethodSource("formats")
    void formatIsCompact(Duration d, String expected) {
        assertEquals(expected, Durations.format(d));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1s", "59s", "1m", "1h30m", "2h", "1d1h1m1s", "7d", "3650d", "500ms"})
    void formatThenParseGivesTheSameDuration(String text) {
        Duration d = Durations.parse(text);
        assertEquals(d, Durations.parse(Durations.format(d)));
    }
}
