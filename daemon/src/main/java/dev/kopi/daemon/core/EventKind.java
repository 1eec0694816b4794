package dev.kopi.daemon.core;

/** What an {@link Events.Event} is about, as {@code kopictl events} shows it. */
public enum EventKind {
    CLONE_CREATED("clone.created"),
    CLONE_RESET("clone.reset"),
    CLONE_DESTROYED("clone.destroyed"),
    SNAPSHOT_CREATED("snapshot.created"),
    SNAPSHOT_DELETED("snapshot.deleted"),
    REFRESH_OK("refresh.ok"),
    REFRESH_FAILED("refresh.failed"),
    /** A scheduled refresh that found the previous one still running. */
    REFRESH_SKIPPED("refresh.skipped"),
    /** A replica source's standby was found stopped and started again. */
    STANDBY_STARTED("standby.started"),
    /** A replica source's standby could no longer follow its primary and was seeded again. */
    STANDBY_RESEEDED("standby.reseeded");

    private final String word;

    EventKind(String word) {
        this.word = word;
    }

    /** The kind as published, e.g. "clone.created". */
    public String word() {
        return word;
    }
}
