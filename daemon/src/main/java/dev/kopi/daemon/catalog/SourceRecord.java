package dev.kopi.daemon.catalog;

import java.time.Instant;
import java.util.List;

/**
 * A source added through the API (sources from the config file are not stored). The catalog file
 * is 0600 and root's: a password inline in the conninfo is as safe here as in the config file.
 *
 * @param name      source name
 * @param kind      datadir, basebackup, dump or seed
 * @param datadir   datadir: the data directory path; else null
 * @param superuser role to prepare snapshots as, or null to guess
 * @param createdAt when it was added
 * @param conninfo  basebackup and dump: the libpq connection string; else null
 * @param seed      seed: the SQL scripts, in order
 * @param settings  schedule, retention, transforms, credentials, per-kind options; null on
 *                  records written before they existed
 */
public record SourceRecord(String name, String kind, String datadir, String superuser, Instant createdAt,
                           String conninfo, List<String> seed, SourceSettings settings) {
    public SourceRecord {
        seed = seed == null ? List.of() : List.copyOf(seed);
    }

    /** A data directory source as the first kopid with sources stored it: no conninfo, seed or settings. */
    public static SourceRecord ofDatadir(String name, String datadir, String superuser, Instant createdAt) {
        return new SourceRecord(name, "datadir", datadir, superuser, createdAt, null, List.of(), null);
    }
}
