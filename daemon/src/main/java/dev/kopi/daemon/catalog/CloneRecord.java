package dev.kopi.daemon.catalog;

import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.kopi.daemon.core.SnapshotRef;

/**
 * A clone whose instance was started and answered a query. Made with {@link #builder()}; the
 * {@code with...} methods return changed copies.
 *
 * @param name        clone name
 * @param snapshot    the exact snapshot (SOURCE@TAG) its data now comes from
 * @param port        TCP port
 * @param user        its own login role
 * @param password    that role's password (the catalog file is 0600, root only)
 * @param database    database in its connection strings
 * @param createdAt   when it was made (or handed out, for a warm clone)
 * @param version     PG_VERSION
 * @param superuser   bootstrap superuser, for kopid's admin connections
 * @param expiresAt   when the reaper destroys it; null = never
 * @param idleTimeout time without sessions before it is reaped (whole seconds on disk); zero =
 *                    never; null = the configured default (records written before idle reaping)
 * @param protect     exempt from expiry and idle reaping
 * @param resetCount  how often it was reset
 * @param resetAt     when it was last reset; null if never
 * @param volume      the clone volume's name when it differs from the clone's (a warm clone
 *                    handed out under the caller's name keeps its volume); null = name
 * @param warm        started ahead of demand and not yet handed out: hidden from callers,
 *                    never reaped, replaced when its source gets a new snapshot
 * @param uid         the OS identity its instance runs as and its files belong to, its own; null
 *                    on records written before clones had their own (they run as postgres.user)
 * @param owner       who it was made for: a token's name, or unix:UID; null while warm and on
 *                    records written before owners (only admins reach those)
 */
public record CloneRecord(String name, SnapshotRef snapshot, int port, String user, String password, String database,
                          Instant createdAt, String version, String superuser, Instant expiresAt,
                          @JsonProperty("idleTimeoutSeconds") Duration idleTimeout, boolean protect, int resetCount,
                          Instant resetAt, String volume, boolean warm, Integer uid, String owner) {

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().name(name).snapshot(snapshot).port(port).user(user).password(password)
                .database(database).createdAt(createdAt).version(version).superuser(superuser).expiresAt(expiresAt)
                .idleTimeout(idleTimeout).protect(protect).resetCount(resetCount).resetAt(resetAt).volume(volume)
                .warm(warm).uid(uid).owner(owner);
    }

    /** The name of its clone volume. */
    public String volumeName() {
        return volume == null ? name : volume;
    }

    /** A warm clone handed out: the caller's name and theirs, made now, no longer warm; same volume. */
    public CloneRecord handedOut(String newName, String newOwner, Instant at) {
        return toBuilder().name(newName).owner(newOwner).createdAt(at).volume(volumeName()).warm(false).build();
    }

    /** The same clone marked warm (or not). */
    public CloneRecord withWarm(boolean on) {
        return toBuilder().warm(on).build();
    }

    public CloneRecord withExpiry(Instant at) {
        return toBuilder().expiresAt(at).build();
    }

    /** Whole seconds, rounded up: a sub-second timeout must not become 0, which means never. */
    public CloneRecord withIdleTimeout(Duration d) {
        return toBuilder().idleTimeout(Duration.ofSeconds((d.toMillis() + 999) / 1000)).build();
    }

    public CloneRecord withProtect(boolean on) {
        return toBuilder().protect(on).build();
    }

    /** After a reset onto {@code to} (same name, port and credentials), on the volume {@code newVolume}. */
    public CloneRecord reset(SnapshotRecord to, Instant at, String newVolume) {
        return toBuilder().snapshot(to.ref()).version(to.version()).superuser(to.superuser())
                .resetCount(resetCount + 1).resetAt(at).volume(newVolume.equals(name) ? null : newVolume).build();
    }

    /** Builds a {@link CloneRecord}; unset fields are null, zero or false. */
    public static final class Builder {
        private String name;
        private SnapshotRef snapshot;
        private int port;
        private String user;
        private String password;
        private String database;
        private Instant createdAt;
        private String version;
        private String superuser;
        private Instant expiresAt;
        private Duration idleTimeout;
        private boolean protect;
        private int resetCount;
        private Instant resetAt;
        private String volume;
        private boolean warm;
        private Integer uid;
        private String owner;

        private Builder() {
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder snapshot(SnapshotRef v) {
            snapshot = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder user(String v) {
            user = v;
            return this;
        }

        public Builder password(String v) {
            password = v;
            return this;
        }

        public Builder database(String v) {
            database = v;
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

        public Builder expiresAt(Instant v) {
            expiresAt = v;
            return this;
        }

        public Builder idleTimeout(Duration v) {
            idleTimeout = v;
            return this;
        }

        public Builder protect(boolean v) {
            protect = v;
            return this;
        }

        public Builder resetCount(int v) {
            resetCount = v;
            return this;
        }

        public Builder resetAt(Instant v) {
            resetAt = v;
            return this;
        }

        public Builder volume(String v) {
            volume = v;
            return this;
        }

        public Builder warm(boolean v) {
            warm = v;
            return this;
        }

        public Builder uid(Integer v) {
            uid = v;
            return this;
        }

        public Builder owner(String v) {
            owner = v;
            return this;
        }

        public CloneRecord build() {
            return new CloneRecord(name, snapshot, port, user, password, database, createdAt, version, superuser,
                    expiresAt, idleTimeout, protect, resetCount, resetAt, volume, warm, uid, owner);
        }
    }
}
