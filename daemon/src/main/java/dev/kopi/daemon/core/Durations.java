package dev.kopi.daemon.core;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in the config file and on the command line: one or more
 * number-unit parts, {@code 500ms}, {@code 30s}, {@code 15m}, {@code 2h}, {@code 7d},
 * {@code 1h30m}; {@code 0} alone is zero. Parsed in one place so the file and the API agree.
 */
public final class Durations {
    private static final Pattern WHOLE = Pattern.compile("(\\d{1,9}(ms|s|m|h|d))+|0");
    private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    private Durations() {
    }

    /** The duration, or an IllegalArgumentException saying what is wrong (the caller adds context). */
    public static Duration parse(String text) {
        String t = text == null ? "" : text.strip();
        if (!WHOLE.matcher(t).matches()) {
            throw new IllegalArgumentException("'" + Names.printable(t) + "' is not a duration (use e.g. 30s, 15m, 2h, 7d"
                    + " or 1h30m; 0 for none)");
        }
        Duration d = Duration.ZERO;
        try {
            Matcher m = PART.matcher(t);
            while (m.find()) {
                long x = Long.parseLong(m.group(1));
                d = d.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(x);
                    case "s" -> Duration.ofSeconds(x);
                    case "m" -> Duration.ofMinutes(x);
                    case "h" -> Duration.ofHours(x);
                    default -> Duration.ofDays(x);
                });
            }
            d.toMillis(); // every use works in milliseconds: it must fit
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + t + "' is too long a duration");
        }
        if (d.compareTo(Duration.ofDays(3650)) > 0) {
            throw new IllegalArgumentException("'" + t + "' is longer than 10 years; use 0 for none");
        }
        return d;
    }

    /** Parses a duration given through the API; a bad one is INVALID_ARGUMENT naming {@code what}. */
    public static Duration parseArgument(String what, String text) {
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw KopiException.invalid(what + ": " + e.getMessage());
        }
    }

    /** Compact form, e.g. {@code 2h}, {@code 1h30m}, {@code 45s}; {@code 0} for zero. */
    public static String format(Duration d) {
        if (d.isZero() || d.isNegative()) {
            return "0";
        }
        StringBuilder b = new StringBuilder();
        long s = d.getSeconds();
        long[] sizes = {86400, 3600, 60, 1};
        String[] units = {"d", "h", "m", "s"};
        for (int i = 0; i < sizes.length; i++) {
            if (s >= sizes[i]) {
                b.append(s / sizes[i]).append(units[i]);
                s %= sizes[i];
            }
        }
        if (b.length() == 0) {
            b.append(d.toMillis()).append("ms");
        }
        return b.toString();
    }
}
