package dev.kopi.daemon.catalog;

import com.fasterxml.jackson.annotation.JsonCreator;

import dev.kopi.daemon.SnapshotRef;

/**
 * A published, prepared snapshot.
 *
 * @param source    source name
 * @param tag       UTC timestamp tag
 * @param createdAt RFC 3339
 * @param version   PG_VERSION
 * @param superuser the bootstrap superuser (role OID 10), used for kopid's admin connections
 * @param database  default database for clones
 * @param sizeBytes total size of its databases
 * @param buildMs   how long preparing it took
 * @param parent    for a snapshot taken of a clone: the snapshot that clone came from; else null
 * @param fromClone for a snapshot taken of a clone: that clone; else null
 * @param message   free text given when it was taken; may be null
 * @param seedHash  for a seed source: the hash of what built it (scripts, transforms, version),
 *                  so an unchanged seed is not built again; else null
 */
public record SnapshotRecord(String source, String tag, String createdAt, String version, String superuser,
                             String database, long sizeBytes, long buildMs, String parent, String fromClone,
                             String message, String seedHash) {
    @JsonCreator
    public SnapshotRecord {
    }

    public SnapshotRecord(String source, String tag, String createdAt, String version, String superuser,
                          String database, long sizeBytes, long buildMs, String parent, String fromClone,
                          String message) {
        this(source, tag, createdAt, version, superuser, database, sizeBytes, buildMs, parent, fromClone, message,
                null);
    }

    /** The same snapshot, recorded as built from seed content hashing to {@code hash}. */
    public SnapshotRecord withSeedHash(String hash) {
        return new SnapshotRecord(source, tag, createdAt, version, superuser, database, sizeBytes, buildMs, parent,
                fromClone, message, hash);
    }

    /** A snapshot of a source (no lineage). */
    public SnapshotRecord(String source, String tag, String createdAt, String version, String superuser,
                          String database, long sizeBytes, long buildMs) {
        this(source, tag, createdAt, version, superuser, database, sizeBytes, buildMs, null, null, null);
    }

    /** The same snapshot, taken of {@code clone} which was made from {@code parentSnapshot}. */
    public SnapshotRecord branchedFrom(String parentSnapshot, String clone, String text) {
        return new SnapshotRecord(source, tag, createdAt, version, superuser, database, sizeBytes, buildMs,
                parentSnapshot, clone, text, seedHash);
    }

    public String name() {
        return SnapshotRef.name(source, tag);
    }
}
