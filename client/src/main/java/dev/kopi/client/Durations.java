package dev.kopi.client;

import java.time.Duration;

/** Durations in kopid's notation: {@code 30s}, {@code 15m}, {@code 2h}, {@code 7d}, {@code 1h30m}, {@code 0}. */
final class Durations {
    private Durations() {
    }

    /**
     * Compact form kopid parses, largest units first, e.g. {@code 1d2h}, {@code 1m30s},
     * {@code 1s500ms}; {@code 0} for zero. Sub-millisecond parts are rounded up so a positive
     * duration never becomes "0", which kopid reads as "never".
     */
    static String format(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("duration must not be negative: " + d);
        }
        if (d.isZero()) {
            return "0";
        }
        long ms;
        try {
            ms = Math.addExact(Math.multiplyExact(d.getSeconds(), 1000), (d.getNano() + 999_999) / 1_000_000);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("duration too long: " + d);
        }
        StringBuilder b = new StringBuilder();
        long[] sizes = {86_400_000, 3_600_000, 60_000, 1000, 1};
        String[] units = {"d", "h", "m", "s", "ms"};
        for (int i = 0; i < sizes.length; i++) {
            if (ms >= sizes[i]) {
                b.append(ms / sizes[i]).append(units[i]);
                ms %= sizes[i];
            }
        }
        return b.toString();
    }
}
