package dev.kopi.daemon.clone;

import java.util.Locale;

import dev.kopi.daemon.core.Reason;

/** Why a clone was destroyed, as its clone.destroyed event says. */
public enum DestroyReason implements Reason {
    /** A caller asked. */
    USER,
    /** Its TTL ran out. */
    TTL,
    /** It had no sessions for its idle timeout. */
    IDLE,
    /** Its snapshot was deleted with --force. */
    SNAPSHOT_DELETED,
    /** A warm clone whose instance was found dead at hand-out. */
    WARM_DEAD,
    /** A warm clone of a snapshot that is no longer its source's newest, or one too many. */
    WARM_REPLACED,
    /** A warm clone left by a previous kopid. */
    WARM_RESTART;

    @Override
    public String word() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Upkeep of the warm pool: the only reasons that may destroy a warm clone. */
    public boolean warmUpkeep() {
        return this == WARM_DEAD || this == WARM_REPLACED || this == WARM_RESTART;
    }
}
