package dev.kopi.daemon.catalog;

import com.fasterxml.jackson.annotation.JsonCreator;

/**
 * The outcome of a source's last refresh.
 *
 * @param source     source name
 * @param startedAt  RFC 3339
 * @param durationMs how long it ran
 * @param ok         whether a snapshot was published (or an unchanged seed's was confirmed)
 * @param error      why not, when not ok
 * @param snapshot   the published snapshot, when ok
 * @param unchanged  a seed source whose scripts had not changed: no new snapshot was built
 * @param trigger    "api" or "schedule"; null on records written before schedules existed
 */
public record RefreshRecord(String source, String startedAt, long durationMs, boolean ok, String error,
                            String snapshot, boolean unchanged, String trigger) {
    @JsonCreator
    public RefreshRecord {
    }

    public RefreshRecord(String source, String startedAt, long durationMs, boolean ok, String error, String snapshot) {
        this(source, startedAt, durationMs, ok, error, snapshot, false, null);
    }
}
