package dev.kopi.daemon.catalog;

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
 */
public record SnapshotRecord(String source, String tag, String createdAt, String version, String superuser,
                             String database, long sizeBytes, long buildMs) {
    public String name() {
        return SnapshotRef.name(source, tag);
    }
}
