package dev.kopi.daemon.snapshot;

import java.util.Locale;

import dev.kopi.daemon.core.Reason;

/** Why a snapshot was deleted, as its snapshot.deleted event says. */
public enum DeleteReason implements Reason {
    /** A caller asked, and it had no clones or children. */
    USER,
    /** A caller asked with --force. */
    FORCED,
    /** Its source's keep: N. */
    RETENTION;

    @Override
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
