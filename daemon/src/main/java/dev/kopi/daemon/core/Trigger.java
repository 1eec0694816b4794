package dev.kopi.daemon.core;

import java.util.Locale;

/** Who asked for a refresh: recorded with its outcome and sent with its events. */
public enum Trigger implements Reason {
    /** A caller of the API ({@code kopictl refresh}). */
    API,
    /** kopid's scheduler. */
    SCHEDULE;

    @Override
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The trigger {@link #word()} names; IllegalArgumentException for anything else. */
    public static Trigger of(String word) {
        for (Trigger t : values()) {
            if (t.word().equals(word)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown trigger '" + word + "'");
    }
}
