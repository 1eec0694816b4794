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

    @Test
    void agoIsRelativeWithTheTwoLargestUnitsRoundedDown() {
        assertEquals("2h ago", Output.ago("2026-11-22T23:59:30Z", NOW));
        assertEquals("1h59m ago", Output.ago("2026-11-23T00:00:01Z", NOW));
        assertEquals("5m ago", Output.ago("2026-11-23T01:54:59.500Z", NOW));
        assertEquals("3d2h ago", Output.ago("2026-11-19T23:30:00Z", NOW));
        assertEquals("45s ago", Output.ago("2026-11-23T01:59:15Z", NOW));
        assertEquals("1h ago", Output.ago("2026-11-23T02:00:00+01:00", NOW), "an offset is understood too");
    }

    @Test
    void agoForNoneFutureAndNonsense() {
        assertEquals("-", Output.ago("", NOW));
        assertEquals("just now", Output.ago("2026-11-23T02:00:00Z", NOW));
        assertEquals("just now", Output.ago("2026-11-23T02:00:03Z", NOW), "clocks differ a little");
        assertEquals("yesterday", Output.ago("yesterday", NOW));
    }

    @Test
    void nextIsUntilButDueOncePassed() {
        assertEquals("-", Output.next("", NOW));
        assertEquals("in 5h", Output.next("2026-11-23T07:00:00Z", NOW));
        assertEquals("due", Output.next("2026-11-23T01:59:00Z", NOW));
    }

    @Test
    void tookIsCompact() {
        assertEquals("0ms", Output.took(0));
        assertEquals("850ms", Output.took(850));
        assertEquals("1.0s", Output.took(1000));
        assertEquals("1.5s", Output.took(1500));
        assertEquals("59.9s", Output.took(59_999));
        assertEquals("1m12s", Output.took(72_400));
        assertEquals("1h1m", Output.took(3_661_000));
    }

    @Test
    void redactMasksPasswordsInConnectionStrings() {
        assertEquals("host=x password=******** user=u", KopiCtl.redact("host=x password=s3cret user=u"));
        assertEquals("host=x password =******** user=u", KopiCtl.redact("host=x password ='s 3\\'c' user=u"));
        assertEquals("'PASSWORD=********'", KopiCtl.redact("'PASSWORD=s3cret'"));
        assertEquals("postgresql://u:********@db/app", KopiCtl.redact("postgresql://u:s3cret@db/app"));
        assertEquals("postgres://:********@db", KopiCtl.redact("postgres://:s3cret@db"));
        assertEquals("postgresql://db/app?password=********&sslmode=require",
                KopiCtl.redact("postgresql://db/app?password=s3cret&sslmode=require"));
        assertEquals("postgresql://u@db/app uses --password-file", KopiCtl.redact("postgresql://u@db/app uses --password-file"));
        assertEquals("no clone named x", KopiCtl.redact("no clone named x"));
    }
}
