package dev.kopi.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** Tables for people, JSON for machines. */
final class Output {
    private Output() {
    }

    /** Made on first use: Jackson loads hundreds of classes, which a table (the usual output) never needs. */
    private static final class Json {
        static final ObjectMapper INDENTED = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        static final ObjectMapper LINE = new ObjectMapper();
    }

    static void json(PrintWriter out, Object value) {
        try {
            out.println(Json.INDENTED.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new CliException("cannot format JSON: " + e.getMessage());
        }
    }

    /** One JSON value on one line (NDJSON), flushed: for streams a reader processes as they come. */
    static void jsonLine(PrintWriter out, Object value) {
        try {
            out.println(Json.LINE.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new CliException("cannot format JSON: " + e.getMessage());
        }
        out.flush();
    }

    /** Left-aligned columns, two spaces apart, header in capitals. */
    static void table(PrintWriter out, List<String> header, List<List<String>> rows) {
        int[] w = new int[header.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(header.stream().map(h -> h.toUpperCase(Locale.ROOT)).toList());
        for (List<String> r : rows) {
            all.add(r.stream().map(Output::cell).toList());
        }
        for (List<String> r : all) {
            for (int i = 0; i < w.length; i++) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        for (List<String> r : all) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < w.length; i++) {
                String cell = r.get(i);
                b.append(cell);
                if (i < w.length - 1) {
                    b.append(" ".repeat(w[i] - cell.length() + 2));
                }
            }
            out.println(b.toString().stripTrailing());
        }
    }

    /** A table cell on one line, with no control characters (which could drive the terminal). */
    static String cell(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> b.appendCodePoint(Character.getType(cp) == Character.CONTROL
                || cp == 0x2028 || cp == 0x2029 ? '?' : cp));
        return b.toString();
    }

    /** 1536 -> "1.5 KiB". */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        // 1023.96 KiB would print as "1024.0 KiB": step up once rounding would reach 1024.
        while (v >= 1023.95 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }

    /** Like {@link #bytes}, but "-" for a size the daemon reports as unknown (-1). */
    static String bytesOrDash(long n) {
        return n < 0 ? "-" : bytes(n);
    }

    /**
     * When an RFC 3339 time comes, relative to now: "in 1h59m" (the two largest units, rounded
     * down), "expired" once passed, "never" when empty. A time that does not parse is shown as is.
     */
    static String until(String rfc3339, Instant now) {
        if (rfc3339 == null || rfc3339.isEmpty()) {
            return "never";
        }
        Instant at;
        try {
            at = OffsetDateTime.parse(rfc3339).toInstant();
        } catch (DateTimeParseException e) {
            return rfc3339;
        }
        long seconds = Duration.between(now, at).getSeconds();
        // The daemon reaps expired clones periodically, so one can be listed a little past its time.
        return seconds < 0 ? "expired" : "in " + span(seconds, 2);
    }

    /**
     * When an RFC 3339 time was, relative to now: "2h5m ago" (the two largest units, rounded
     * down), "-" when empty. A time that does not parse is shown as is; one a little in the future
     * (clocks differ) is "just now".
     */
    static String ago(String rfc3339, Instant now) {
        if (rfc3339 == null || rfc3339.isEmpty()) {
            return "-";
        }
        Instant at;
        try {
            at = OffsetDateTime.parse(rfc3339).toInstant();
        } catch (DateTimeParseException e) {
            return rfc3339;
        }
        long seconds = Duration.between(at, now).getSeconds();
        return seconds < 1 ? "just now" : span(seconds, 2) + " ago";
    }

    /** When something is next due: like {@link #until}, but "-" when empty and "due" once passed. */
    static String next(String rfc3339, Instant now) {
        if (rfc3339 == null || rfc3339.isEmpty()) {
            return "-";
        }
        String s = until(rfc3339, now);
        return s.equals("expired") ? "due" : s;
    }

    /** How long something took, compactly: "850ms", "1.5s", "1m12s", "2h3m". */
    static String took(long ms) {
        if (ms < 1000) {
            return Math.max(0, ms) + "ms";
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", Math.floor(ms / 100.0) / 10);
        }
        return span(ms / 1000, 2);
    }

    /** A timeout in seconds as "2h", "1h30m", "7d", ...; "never" for 0 (the API's "no timeout"). */
    static String timeout(long seconds) {
        return seconds <= 0 ? "never" : span(seconds, 4);
    }

    /** 5400 -> "1h30m": at most maxUnits units from the largest non-zero one, zero units left out. */
    static String span(long seconds, int maxUnits) {
        long[] sizes = {86_400, 3_600, 60, 1};
        String[] names = {"d", "h", "m", "s"};
        int first = 0;
        while (first < sizes.length - 1 && seconds < sizes[first]) {
            first++;
        }
        StringBuilder b = new StringBuilder();
        long rest = seconds;
        for (int i = first; i < sizes.length && i < first + maxUnits; i++) {
            long n = rest / sizes[i];
            rest %= sizes[i];
            if (n > 0 || i == first) {
                b.append(n).append(names[i]);
            }
        }
        return b.toString();
    }

    /** 2026-11-23T02:00:00.123Z -> "2026-11-23 02:00:00Z". */
    static String time(String rfc3339) {
        if (rfc3339 == null || rfc3339.length() < 19) {
            return rfc3339 == null ? "" : rfc3339;
        }
        return rfc3339.substring(0, 10) + " " + rfc3339.substring(11, 19) + "Z";
    }

    static String millis(long ms) {
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        return (ms / 60_000) + " min " + (ms % 60_000) / 1000 + " s";
    }
}
