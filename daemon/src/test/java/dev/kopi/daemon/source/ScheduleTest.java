package dev.kopi.daemon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.core.KopiException;

class ScheduleTest {
    /** A Monday. */
    private static final Instant MONDAY_NOON = Instant.parse("2026-11-23T12:00:00Z");

    private static Instant next(String expr, String after) {
        return Schedule.parse(expr).next(Instant.parse(after), ZoneOffset.UTC).orElseThrow();
    }

    @ParameterizedTest
    @CsvSource({
            "'0 3 * * *',         2026-11-24T03:00:00Z",
            "'*/15 * * * *',      2026-11-23T12:15:00Z",
            "'0 0 1 * *',         2026-12-01T00:00:00Z",
            "'30 2 * * 1-5',      2026-11-24T02:30:00Z",
            "'0 3 * * SUN',       2026-11-29T03:00:00Z",
            "'0 3 * * 0',         2026-11-29T03:00:00Z",
            "'0 3 * * 7',         2026-11-29T03:00:00Z",
            "'0 9 * JAN MON',     2027-01-04T09:00:00Z",
            "'0,30 12 * * *',     2026-11-23T12:30:00Z",
    })
    void fiveFieldsAreUnixCron(String expr, String expected) {
        assertEquals(Instant.parse(expected), Schedule.parse(expr).next(MONDAY_NOON, ZoneOffset.UTC).orElseThrow());
    }

    @Test
    void dayOfMonthAndDayOfWeekTogetherMeanEitherAsInCron() {
        // 1st of the month OR a Monday: the next Monday (30 Nov) comes before 1 Dec
        assertEquals(Instant.parse("2026-11-30T03:00:00Z"), next("0 3 1 * 1", "2026-11-23T12:00:00Z"));
    }

    @ParameterizedTest
    @CsvSource({
            "'*/5 * * * * *',     2026-11-23T12:00:05Z",
            "'30 0 3 * * *',      2026-11-24T03:00:30Z",
            "'0 0 3 ? * *',       2026-11-24T03:00:00Z",
            "'0 0 3 * * MON',     2026-11-30T03:00:00Z",
    })
    void sixFieldsPutSecondsFirst(String expr, String expected) {
        assertEquals(Instant.parse(expected), Schedule.parse(expr).next(MONDAY_NOON, ZoneOffset.UTC).orElseThrow());
    }

    @ParameterizedTest
    @CsvSource({
            "@hourly,   2026-11-23T13:00:00Z",
            "@daily,    2026-11-24T00:00:00Z",
            "@midnight, 2026-11-24T00:00:00Z",
            "@weekly,   2026-11-29T00:00:00Z",
            "@monthly,  2026-12-01T00:00:00Z",
            "@yearly,   2027-01-01T00:00:00Z",
            "@annually, 2027-01-01T00:00:00Z",
            "@Daily,    2026-11-24T00:00:00Z",
            "' @daily ', 2026-11-24T00:00:00Z",
    })
    void nicknames(String expr, String expected) {
        assertEquals(Instant.parse(expected), Schedule.parse(expr).next(MONDAY_NOON, ZoneOffset.UTC).orElseThrow());
    }

    @Test
    void nextIsStrictlyAfter() {
        assertEquals(Instant.parse("2026-11-24T03:00:00Z"), next("0 3 * * *", "2026-11-23T03:00:00Z"));
        assertEquals(Instant.parse("2026-11-24T03:00:00Z"), next("0 3 * * *", "2026-11-23T03:00:00.500Z"));
        assertEquals(Instant.parse("2026-11-23T03:00:00Z"), next("0 3 * * *", "2026-11-23T02:59:59.999Z"));
        assertEquals(Instant.parse("2026-11-23T03:00:10Z"), next("*/5 * * * * *", "2026-11-23T03:00:05Z"));
        assertEquals(Instant.parse("2026-11-23T03:00:05Z"), next("*/5 * * * * *", "2026-11-23T03:00:04.999Z"));
    }

    @Test
    void repeatedNextWalksForward() {
        Schedule s = Schedule.parse("0 */6 * * *");
        Instant t = Instant.parse("2026-11-23T00:00:00Z");
        for (int i = 1; i <= 8; i++) {
            Instant n = s.next(t, ZoneOffset.UTC).orElseThrow();
            assertEquals(Instant.parse("2026-11-23T00:00:00Z").plusSeconds(6L * 3600 * i), n);
            t = n;
        }
    }

    @Test
    void timesAreInTheGivenZone() {
        // 03:00 in Berlin (UTC+1 in November) is 02:00 UTC
        assertEquals(Optional.of(Instant.parse("2026-11-24T02:00:00Z")),
                Schedule.parse("0 3 * * *").next(MONDAY_NOON, ZoneId.of("Europe/Berlin")));
        assertEquals(Optional.of(Instant.parse("2026-11-23T13:00:00Z")),
                Schedule.parse("0 8 * * *").next(MONDAY_NOON, ZoneId.of("America/New_York")));
    }

    @Test
    void aRepeatedHourAtTheEndOfSummerTimeRunsOnce() {
        Schedule s = Schedule.parse("30 2 * * *");
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        Instant first = s.next(Instant.parse("2026-10-24T12:00:00Z"), berlin).orElseThrow();
        assertEquals(Instant.parse("2026-10-25T00:30:00Z"), first); // 02:30 CEST
        assertEquals(Instant.parse("2026-10-26T01:30:00Z"), s.next(first, berlin).orElseThrow());
    }

    @Test
    void anImpossibleDateNeverComes() {
        assertEquals(Optional.empty(), Schedule.parse("0 0 31 2 *").next(MONDAY_NOON, ZoneOffset.UTC));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "daily", "0 3 * *", "0 3 * * * * *", "@reboot", "@every 5m", "61 * * * *",
            "0 24 * * *", "* * 32 * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "a b c d e", "*/0 * * * *",
            "5-1 * * * *", "0-70 * * * *", "0 3 * * ?", "0 3 L * *", "60 * * * * *", "1,,2 * * * *",
            "0 3 * * MON-", "99999999999 * * * *", "0 3 * * * 2026"})
    void badExpressionsAreInvalidArgument(String expr) {
        KopiException e = assertThrows(KopiException.class, () -> Schedule.parse(expr));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith("schedule '" + expr.strip() + "'"), e.getMessage());
    }

    @Test
    void nullIsInvalidArgument() {
        assertEquals(KopiException.Kind.INVALID_ARGUMENT,
                assertThrows(KopiException.class, () -> Schedule.parse(null)).kind());
    }

    @Test
    void aWrongNumberOfFieldsSaysWhatToWrite() {
        String m = assertThrows(KopiException.class, () -> Schedule.parse("0 3 * *")).getMessage();
        assertTrue(m.contains("5 fields"), m);
        assertTrue(m.contains("@daily"), m);
    }

    @Test
    void expressionIsKeptStripped() {
        Schedule s = Schedule.parse("  0 3 * * *\t");
        assertEquals("0 3 * * *", s.expression());
        assertEquals("0 3 * * *", s.toString());
        assertEquals("@daily", Schedule.parse("@daily").expression());
    }

    @Test
    void describeIsForPeople() {
        assertEquals("at 03:00", Schedule.parse("0 3 * * *").describe());
        assertFalse(Schedule.parse("*/5 * * * * *").describe().isBlank());
        for (String e : new String[] {"@weekly", "0 0 31 2 *", "0 9 * JAN MON", "0 0 3 ? * *", "1-5/2 * * * *"}) {
            assertFalse(Schedule.parse(e).describe().isBlank(), e);
        }
    }
}
