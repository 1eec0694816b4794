package dev.kopi.client;

import java.time.Instant;

/**
 * A snapshot clones can be made from, as listed by {@link KopiClient#snapshots()}.
 *
 * @param name            {@code SOURCE@TAG}
 * @param source          the source (or snapshot line) it belongs to
 * @param tag             its tag, e.g. {@code 20261123T020000Z}
 * @param createdAt       when it was taken; null if kopid did not say
 * @param postgresVersion the PostgreSQL version of its data directory
 * @param database        the database clones connect to by default
 * @param cloneCount      clones currently made from it
 * @param latest          whether it is the newest of its source, i.e. what {@code SOURCE} alone names
 * @param sizeBytes       bytes of data in it
 */
public record SnapshotInfo(String name, String source, String tag, Instant createdAt, String postgresVersion,
                           String database, int cloneCount, boolean latest, long sizeBytes) {

    static SnapshotInfo of(dev.kopi.proto.v1.Snapshot s) {
        return new SnapshotInfo(s.getName(), s.getSource(), s.getTag(), Timestamps.parse(s.getCreatedAt()),
                s.getPostgresVersion(), s.getDatabase(), s.getCloneCount(), s.getLatest(), s.getSizeBytes());
    }
}
