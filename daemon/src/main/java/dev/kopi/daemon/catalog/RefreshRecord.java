package dev.kopi.daemon.catalog;

/**
 * The outcome of a source's last refresh.
 *
 * @param source     source name
 * @param startedAt  RFC 3339
 * @param durationMs how long it ran
 * @param ok         whether a snapshot was published
 * @param error      why not, when not ok
 * @param snapshot   the published snapshot, when ok
 */
public record RefreshRecord(String source, String startedAt, long durationMs, boolean ok, String error,
                            String snapshot) {
}
