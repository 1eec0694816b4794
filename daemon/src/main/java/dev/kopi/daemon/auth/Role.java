package dev.kopi.daemon.auth;

import java.util.Locale;

import dev.kopi.daemon.core.KopiException;

/** What a caller of kopid's API may do. */
public enum Role {
    /** Everything: sources, refreshes, snapshots, every clone, tokens. */
    ADMIN,
    /**
     * Its own clones (create, list, destroy, reset, extend, snapshot) and reading snapshots,
     * sources and status; nothing of anyone else's.
     */
    USER;

    /** The role's word, as in the tokens file and {@code kopictl token create --role}. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role named {@code word} ({@code admin} or {@code user}), else INVALID_ARGUMENT. */
    public static Role of(String word) {
        for (Role r : values()) {
            if (r.word().equals(word)) {
                return r;
            }
        }
        throw KopiException.invalid("role '" + (word == null ? "" : word) + "' is not admin or user");
    }
}
