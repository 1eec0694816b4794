package dev.kopi.daemon.catalog;

import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonCreator;

/**
 * A clone whose instance was started and answered a query.
 *
 * @param name               clone name
 * @param snapshot           exact snapshot name (SOURCE@TAG) its data now comes from
 * @param port               TCP port
 * @param user               its own login role
 * @param password           that role's password (the catalog file is 0600, root only)
 * @param database           database in its connection strings
 * @param createdAt          RFC 3339
 * @param version            PG_VERSION
 * @param superuser          bootstrap superuser, for kopid's admin connections
 * @param expiresAt          RFC 3339 instant the reaper destroys it at; null = never
 * @param idleTimeoutSeconds seconds without sessions before it is reaped; 0 = never; null = the
 *                           configured default (records written before idle reaping existed)
 * @param protect            exempt from expiry and idle reaping
 * @param resetCount         how often it was reset
 * @param resetAt            RFC 3339 of the last reset; null if never
 * @param volume             the clone volume's name when it differs from the clone's (a warm
 *                           clone handed out under the caller's name keeps its volume); null = name
 * @param warm               started ahead of demand and not yet handed out: hidden from callers,
 *                           never reaped, replaced when its source gets a new snapshot
 */
public record CloneRecord(String name, String snapshot, int port, String user, String password, String database,
                          String createdAt, String version, String superuser, String expiresAt,
                          Long idleTimeoutSeconds, boolean protect, int resetCount, String resetAt, String volume,
                          boolean warm) {

    @JsonCreator
    public CloneRecord {
    }

    public CloneRecord(String name, String snapshot, int port, String user, String password, String database,
                       String createdAt, String version, String superuser, String expiresAt,
                       Long idleTimeoutSeconds, boolean protect, int resetCount, String resetAt) {
        this(name, snapshot, port, user, password, database, createdAt, version, superuser, expiresAt,
                idleTimeoutSeconds, protect, resetCount, resetAt, null, false);
    }

    /** The name of its clone volume. */
    public String volumeName() {
        return volume == null ? name : volume;
    }

    /** A warm clone handed out: the caller's name, made now, no longer warm; same volume. */
    public CloneRecord handedOut(String newName, java.time.Instant at) {
        return new CloneRecord(newName, snapshot, port, user, password, database, at.toString(), version, superuser,
                expiresAt, idleTimeoutSeconds, protect, resetCount, resetAt, volumeName(), false);
    }

    /** The same clone marked warm (or not). */
    public CloneRecord withWarm(boolean on) {
        return new CloneRecord(name, snapshot, port, user, password, database, createdAt, version, superuser,
                expiresAt, idleTimeoutSeconds, protect, resetCount, resetAt, volume, on);
    }

    /** A clone with no lifetime settings: never expires, default idle timeout, unprotected. */
    public CloneRecord(String name, String snapshot, int port, String user, String password, String database,
                       String createdAt, String version, String superuser) {
        this(name, snapshot, port, user, password, database, createdAt, version, superuser, null, null, false, 0, null);
    }

    public CloneRecord withExpiry(Instant at) {
        return new CloneRecord(name, snapshot, port, user, password, database, createdAt, version, superuser,
                at == null ? null : at.toString(), idleTimeoutSeconds, protect, resetCount, resetAt, volume, warm);
    }

    public CloneRecord withIdleTimeout(Duration d) {
        return new CloneRecord(name, snapshot, port, user, password, database, createdAt, version, superuser,
                // whole seconds, rounded up: a sub-second timeout must not become 0, which means never
                expiresAt, (d.toMillis() + 999) / 1000, protect, resetCount, resetAt, volume, warm);
    }

    public CloneRecord withProtect(boolean on) {
        return new CloneRecord(name, snapshot, port, user, password, database, createdAt, version, superuser,
                expiresAt, idleTimeoutSeconds, on, resetCount, resetAt, volume, warm);
    }

    /** After a reset onto {@code toSnapshot} (same name, port and credentials). */
    public CloneRecord reset(String toSnapshot, String toVersion, String toSuperuser, Instant at) {
        return new CloneRecord(name, toSnapshot, port, user, password, database, createdAt, toVersion, toSuperuser,
                expiresAt, idleTimeoutSeconds, protect, resetCount + 1, at.toString(), volume, warm);
    }

    public Instant expiry() {
        return expiresAt == null ? null : Instant.parse(expiresAt);
    }
}
