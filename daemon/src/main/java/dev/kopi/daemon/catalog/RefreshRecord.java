package dev.kopi.daemon.catalog;

import java.time.Instant;

import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.core.Trigger;

/**
 * The outcome of a source's last refresh.
 *
 * @param source     source name
 * @param startedAt  when it started
 * @param durationMs how long it ran, in milliseconds
 * @param ok         whether a snapshot was published (or an unchanged seed's was confirmed)
 * @param error      why not, when not ok; else ""
 * @param snapshot   the published snapshot, when ok; else null
 * @param unchanged  a seed source whose scripts had not changed: no new snapshot was built
 * @param trigger    who asked; null on records written before schedules existed
 */
public record RefreshRecord(String source, Instant startedAt, long durationMs, boolean ok, String error,
                            SnapshotRef snapshot, boolean unchanged, Trigger trigger) {
    /** A refresh that published (or, {@code unchanged}, confirmed) {@code snapshot}. */
    public static RefreshRecord succeeded(String source, Instant startedAt, long durationMs, SnapshotRef snapshot,
                                          boolean unchanged, Trigger trigger) {
        return new RefreshRecord(source, startedAt, durationMs, true, "", snapshot, unchanged, trigger);
    }

    /** A refresh that failed with {@code error}. */
    public static RefreshRecord failed(String source, Instant startedAt, long durationMs, String error,
                                       Trigger trigger) {
        return new RefreshRecord(source, startedAt, durationMs, false, error, null, false, trigger);
    }
}
