package dev.kopi.daemon.catalog;

/**
 * A source added through the API (sources from the config file are not stored).
 *
 * @param name      source name
 * @param kind      "datadir"
 * @param datadir   data directory path
 * @param superuser role to prepare snapshots as, or null to guess
 * @param createdAt RFC 3339
 */
public record SourceRecord(String name, String kind, String datadir, String superuser, String createdAt) {
}
