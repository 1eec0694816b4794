package dev.kopi.daemon.storage;

import java.util.Optional;

import dev.kopi.daemon.core.Names;

/**
 * A volume in the pool, by role. Every volume's root is a PostgreSQL data directory. The layout
 * below the pool root is the same on every backend:
 * {@code staging/ID}, {@code snapshots/SOURCE/TAG}, {@code clones/NAME}, and for a replica source
 * {@code replicas/SOURCE/PART} (its standby, its WAL archive, its raw bases).
 */
public record VolumeId(Kind kind, String name, String tag) {
    /** The roles a volume can have. */
    public enum Kind {
        /** Being filled or prepared; never survives a daemon restart. */
        STAGING("staging"),
        /** Read-only, prepared; clones are made from it. */
        SNAPSHOT("snapshots"),
        /** Writable copy-on-write copy of a snapshot, with its own instance. */
        CLONE("clones"),
        /**
         * A replica source's own volumes, never a clone's: its running standby, its WAL archive.
         * Unmasked production data, so no holder ever reaches them; they live as long as the source.
         */
        REPLICA("replicas");

        public final String dir;

        Kind(String dir) {
            this.dir = dir;
        }
    }

    public VolumeId {
        Names.requireTag(name); // staging ids may carry capitals (they embed tags)
        if (kind == Kind.SNAPSHOT || kind == Kind.REPLICA) {
            Names.require("source", name);
            Names.requireTag(tag);
        } else if (tag != null) {
            throw new IllegalArgumentException("only snapshots have tags");
        }
        if (kind == Kind.CLONE) {
            Names.require("clone", name);
        }
    }

    public static VolumeId staging(String id) {
        return new VolumeId(Kind.STAGING, id, null);
    }

    public static VolumeId snapshot(String source, String tag) {
        return new VolumeId(Kind.SNAPSHOT, source, tag);
    }

    public static VolumeId clone(String name) {
        return new VolumeId(Kind.CLONE, name, null);
    }

    /** A volume of replica source {@code source}: "standby", "wal", or a raw base's part name. */
    public static VolumeId replica(String source, String part) {
        return new VolumeId(Kind.REPLICA, source, part);
    }

    /** Path relative to the pool root: also the dataset name below the ZFS root dataset. */
    public String relative() {
        return tag != null ? kind.dir + "/" + name + "/" + tag : kind.dir + "/" + name;
    }

    /** Parses {@link #relative()} back; empty for anything that is not a Kopi volume. */
    public static Optional<VolumeId> parse(String relative) {
        String[] p = relative.split("/");
        try {
            if (p.length == 2 && p[0].equals(Kind.STAGING.dir)) {
                return Optional.of(staging(p[1]));
            }
            if (p.length == 2 && p[0].equals(Kind.CLONE.dir)) {
                return Optional.of(clone(p[1]));
            }
            if (p.length == 3 && p[0].equals(Kind.SNAPSHOT.dir)) {
                return Optional.of(snapshot(p[1], p[2]));
            }
            if (p.length == 3 && p[0].equals(Kind.REPLICA.dir)) {
                return Optional.of(replica(p[1], p[2]));
            }
        } catch (RuntimeException invalid) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return relative();
    }
}
