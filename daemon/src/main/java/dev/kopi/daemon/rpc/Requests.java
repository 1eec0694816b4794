package dev.kopi.daemon.rpc;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

import dev.kopi.daemon.clone.CloneRequest;
import dev.kopi.daemon.core.Durations;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.source.PointInTime;
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

    /**
     * A point in time of a replica source: an RFC 3339 time ({@code at}) or an LSN; empty when
     * neither is given. A time without an offset is refused rather than read in kopid's zone.
     */
    static Optional<PointInTime> pointInTime(String at, String lsn) {
        boolean time = at != null && !at.isEmpty();
        boolean position = lsn != null && !lsn.isEmpty();
        if (time && position) {
            throw KopiException.invalid("give --at or --lsn, not both");
        }
        if (position) {
            return Optional.of(PointInTime.ofLsn(lsn));
        }
        if (!time) {
            return Optional.empty();
        }
        try {
            return Optional.of(PointInTime.at(OffsetDateTime.parse(at).toInstant()));
        } catch (DateTimeParseException e) {
            throw KopiException.invalid("'" + Names.printable(at) + "' is not a time: use RFC 3339 with an offset, "
                    + "e.g. 2026-11-30T10:15:00Z");
        }
    }

    /** A snapshot or source, when given. */
    static Optional<SnapshotRef> snapshot(String text) {
        return text == null || text.isEmpty() ? Optional.empty() : Optional.of(SnapshotRef.parse(text));
    }

    static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
