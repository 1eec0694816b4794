package dev.kopi.daemon.rpc;

import java.time.Duration;
import java.util.Optional;

import dev.kopi.daemon.clone.CloneRequest;
import dev.kopi.daemon.core.Durations;
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
        return clone(r.getSnapshot(), r.getName(), r.getDatabase(), r.getTtl(), r.getIdleTimeout(), r.getProtect());
    }

    static CloneRequest clone(String snapshot, String name, String database, String ttl, String idleTimeout,
                              boolean protect) {
        Duration t = duration("ttl", ttl);
        Duration idle = duration("idle timeout", idleTimeout);
        return new CloneRequest(SnapshotRef.parse(snapshot), blankToNull(name), blankToNull(database), t, idle,
                protect);
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
