package dev.kopi.daemon.rpc;

import java.time.Duration;
import java.util.Optional;

import dev.kopi.daemon.clone.CloneRequest;
import dev.kopi.daemon.core.Durations;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Names;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.proto.v1.CreateCloneRequest;

/**
 * Text from the wire to the daemon's typed values, validated once here and in the order a caller
 * reads the errors; an empty (or absent) string means "not given", as proto3 has no other way to
 * say it.
 */
final class Requests {
    private Requests() {
    }

    static CloneRequest clone(CreateCloneRequest r) {
        return clone(r.getSnapshot(), r.hasName() ? r.getName() : null, r.hasDatabase() ? r.getDatabase() : null,
                r.getTtl(), r.getIdleTimeout(), r.getProtect());
    }

    /**
     * A clone request; {@code name} and {@code database} are null when not given, and given
     * empty they are refused (an empty --name must not quietly mean "generate one").
     */
    static CloneRequest clone(String snapshot, String name, String database, String ttl, String idleTimeout,
                              boolean protect) {
        Duration t = duration("ttl", ttl);
        Duration idle = duration("idle timeout", idleTimeout);
        SnapshotRef ref = SnapshotRef.parse(snapshot);
        if (name != null) {
            Names.require("clone", name);
        }
        if (database != null && database.isEmpty()) {
            throw KopiException.invalid("database name is empty: leave --database out for the snapshot's own");
        }
        return new CloneRequest(ref, name, database, t, idle, protect, null);
    }

    /** How far {@code kopictl extend NAME BY} moves an expiry; the clone's name is checked first. */
    static Duration extension(String clone, String by) {
        Names.require("clone", clone);
        return Durations.parseArgument("extension", by);
    }

    /** A duration as typed ({@code 2h}; {@code 0} for none); null when not given. */
    static Duration duration(String what, String text) {
        return text == null || text.isEmpty() ? null : Durations.parseArgument(what, text);
    }

    /** A snapshot or source, when given. */
    static Optional<SnapshotRef> snapshot(String text) {
        return text == null || text.isEmpty() ? Optional.empty() : Optional.of(SnapshotRef.parse(text));
    }

    static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
