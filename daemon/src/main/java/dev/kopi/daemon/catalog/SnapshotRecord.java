package dev.kopi.daemon.catalog;

import java.time.Instant;

import dev.kopi.daemon.core.SnapshotRef;

/**
 * A published, prepared snapshot. Made with {@link #builder()}.
 *
 * @param source    source name (for a snapshot of a clone, the name it was given)
 * @param tag       UTC timestamp tag
 * @param createdAt when it was published
 * @param version   PG_VERSION
 * @param superuser the bootstrap superuser (role OID 10), used for kopid's admin connections
 * @param database  default database for clones
 * @param sizeBytes total size of its databases
 * @param buildMs   how long preparing it took, in milliseconds
 * @param parent    for a snapshot taken of a clone: the snapshot that clone came from; else null
 * @param fromClone for a snapshot taken of a clone: that clone; else null
 * @param message   free text given when it was taken; may be null
 * @param seedHash  for a seed source: the hash of what built it (scripts, transforms, version),
 *                  so an unchanged seed is not built again; else null
 * @param prepared  for a snapshot a client prepared under a key (its migrations, say): the key and
 *                  whose it is; else null
 */
public record SnapshotRecord(String source, String tag, Instant createdAt, String version, String superuser,
                             String database, long sizeBytes, long buildMs, SnapshotRef parent, String fromClone,
                             String message, String seedHash, PreparedKey prepared) {

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().source(source).tag(tag).createdAt(createdAt).version(version).superuser(superuser)
                .database(database).sizeBytes(sizeBytes).buildMs(buildMs).parent(parent).fromClone(fromClone)
                .message(message).seedHash(seedHash).prepared(prepared);
    }

    /** The same snapshot, recorded as built from seed content hashing to {@code hash}. */
    public SnapshotRecord withSeedHash(String hash) {
        return toBuilder().seedHash(hash).build();
    }

    /** The same snapshot, taken of {@code clone} which was made from {@code parentSnapshot}. */
    public SnapshotRecord branchedFrom(SnapshotRef parentSnapshot, String clone, String text) {
        return toBuilder().parent(parentSnapshot).fromClone(clone).message(text).build();
    }

    /** Exactly this snapshot. */
    public SnapshotRef ref() {
        return SnapshotRef.of(source, tag);
    }

    /** SOURCE@TAG. */
    public String name() {
        return SnapshotRef.name(source, tag);
    }

    /** Builds a {@link SnapshotRecord}; unset fields are null or zero. */
    public static final class Builder {
        private String source;
        private String tag;
        private Instant createdAt;
        private String version;
        private String superuser;
        private String database;
        private long sizeBytes;
        private long buildMs;
        private SnapshotRef parent;
        private String fromClone;
        private String message;
        private String seedHash;
        private PreparedKey prepared;

        private Builder() {
        }

        public Builder source(String v) {
            source = v;
            return this;
        }

        public Builder tag(String v) {
            tag = v;
            return this;
        }

        public Builder createdAt(Instant v) {
            createdAt = v;
            return this;
        }

        public Builder version(String v) {
            version = v;
            return this;
        }

        public Builder superuser(String v) {
            superuser = v;
            return this;
        }

        public Builder database(String v) {
            database = v;
            return this;
        }

        public Builder sizeBytes(long v) {
            sizeBytes = v;
            return this;
        }

        public Builder buildMs(long v) {
            buildMs = v;
            return this;
        }

        public Builder parent(SnapshotRef v) {
            parent = v;
            return this;
        }

        public Builder fromClone(String v) {
            fromClone = v;
            return this;
        }

        public Builder message(String v) {
            message = v;
            return this;
        }

        public Builder seedHash(String v) {
            seedHash = v;
            return this;
        }

        public Builder prepared(PreparedKey v) {
            prepared = v;
            return this;
        }

        public SnapshotRecord build() {
            return new SnapshotRecord(source, tag, createdAt, version, superuser, database, sizeBytes, buildMs, parent,
                    fromClone, message, seedHash, prepared);
        }
    }
}
