package dev.kopi.daemon.clone;

import java.time.Duration;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Names;
import dev.kopi.daemon.core.SnapshotRef;

/**
 * What a caller asks of a new clone, typed and validated: a request that exists is a valid one.
 *
 * @param snapshot    what to clone
 * @param name        the clone's name; null to generate one from the source's
 * @param database    the database in its connection strings; null for the snapshot's
 * @param ttl         time to live; zero for never; null for the configured default
 * @param idleTimeout time without sessions before it goes; zero for never; null for the default
 * @param protect     exempt from expiry and idle reaping
 * @param owner       who asks: recorded as the clone's owner (a token's name, or unix:UID); null
 *                    for kopid itself
 */
public record CloneRequest(SnapshotRef snapshot, String name, String database, Duration ttl, Duration idleTimeout,
                           boolean protect, String owner) {
    public CloneRequest {
        if (snapshot == null) {
            throw KopiException.invalid("snapshot is empty: give SOURCE or SOURCE@TAG");
        }
        if (name != null) {
            Names.require("clone", name);
        }
        if (database != null && !database.matches("[A-Za-z0-9_][A-Za-z0-9_$.-]{0,62}")) {
            throw KopiException.invalid("database name '" + Names.printable(database)
                    + "' is not valid: use 1-63 characters from A-Z, a-z, 0-9, '_', '$', '.', '-'");
        }
    }

    /** A clone of {@code snapshot} with everything else as configured. */
    public static CloneRequest of(SnapshotRef snapshot) {
        return new CloneRequest(snapshot, null, null, null, null, false, null);
    }

    public CloneRequest named(String n) {
        return new CloneRequest(snapshot, n, database, ttl, idleTimeout, protect, owner);
    }

    public CloneRequest inDatabase(String d) {
        return new CloneRequest(snapshot, name, d, ttl, idleTimeout, protect, owner);
    }

    public CloneRequest living(Duration t, Duration idle) {
        return new CloneRequest(snapshot, name, database, t, idle, protect, owner);
    }

    public CloneRequest ownedBy(String o) {
        return new CloneRequest(snapshot, name, database, ttl, idleTimeout, protect, o);
    }

    public CloneRequest protecting(boolean on) {
        return new CloneRequest(snapshot, name, database, ttl, idleTimeout, on, owner);
    }
}
