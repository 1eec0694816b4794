package dev.kopi.daemon.logging;

import java.util.Locale;
import java.util.Optional;

/** How kopid writes its log lines on stderr ({@code log.format}). */
public enum LogFormat {
    /** One readable line per record (and a stack trace below it): for people and journald. */
    TEXT,
    /** One JSON object per line: for log shippers that index fields. */
    JSON;

    /** The format {@code word} names ("text", "json"), or empty. */
    public static Optional<LogFormat> of(String word) {
        for (LogFormat f : values()) {
            if (f.name().toLowerCase(Locale.ROOT).equals(word)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
