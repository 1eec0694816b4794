package dev.kopi.daemon.source;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Pattern;

import dev.kopi.daemon.core.KopiException;

/**
 * The moment a point-in-time snapshot recovers to: a time, or a WAL position (LSN). Valid by
 * construction: an LSN is two hexadecimal numbers, so it can go into recovery settings as is.
 *
 * @param time the target time; null for an LSN target
 * @param lsn  the target WAL position, e.g. "0/3000148"; null for a time target
 */
public record PointInTime(Instant time, String lsn) {
    private static final Pattern LSN = Pattern.compile("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}");
    private static final DateTimeFormatter TAG = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    public PointInTime {
        if ((time == null) == (lsn == null)) {
            throw KopiException.invalid("give a point in time as either a time or an LSN, not both");
        }
        if (lsn != null && !LSN.matcher(lsn).matches()) {
            throw KopiException.invalid("'" + lsn + "' is not an LSN (two hexadecimal numbers, e.g. 0/3000148)");
        }
        if (time != null && time.getNano() % 1_000_000 != 0) {
            time = Instant.ofEpochMilli(time.toEpochMilli()); // Postgres reads milliseconds at most here
        }
    }

    public static PointInTime at(Instant time) {
        return new PointInTime(time, null);
    }

    public static PointInTime ofLsn(String lsn) {
        return new PointInTime(null, lsn.toUpperCase(Locale.ROOT));
    }

    /** The tag of the snapshot recovered to this point: {@code at-20261130T101500Z}, {@code lsn-0-3000148}. */
    public String tag() {
        if (lsn != null) {
            return "lsn-" + lsn.replace('/', '-');
        }
        String base = "at-" + TAG.format(time);
        long ms = time.toEpochMilli() % 1000;
        return ms == 0 ? base : base.replace("Z", String.format(".%03dZ", ms));
    }

    @Override
    public String toString() {
        return time != null ? time.toString() : "LSN " + lsn;
    }
}
