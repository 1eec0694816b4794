package dev.kopi.daemon.rpc;

import java.util.List;

import dev.kopi.daemon.clone.CloneView;
import dev.kopi.daemon.clone.Clones;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.snapshot.Snapshots;

/**
 * The services called with text, as the gRPC layer calls them: through the same parsing
 * ({@link Requests}), so tests of the services see the same errors a client sees.
 */
public final class Calls {
    private Calls() {
    }

    public static CloneView create(Clones clones, String snapshot, String name, String database) {
        return create(clones, snapshot, name, database, "", "", false);
    }

    public static CloneView create(Clones clones, String snapshot, String name, String database, String ttl,
                                   String idleTimeout, boolean protect) {
        return clones.create(Requests.clone(snapshot, name, database, ttl, idleTimeout, protect));
    }

    /** A new clone's lifetime as typed: durations such as {@code 2h}, {@code 0} for never, empty for the default. */
    public record Options(String ttl, String idleTimeout, boolean protect) {
        public static final Options DEFAULTS = new Options("", "", false);
    }

    public static CloneView create(Clones clones, String snapshot, String name, String database, Options o) {
        return create(clones, snapshot, name, database, o.ttl(), o.idleTimeout(), o.protect());
    }

    public static CloneView extend(Clones clones, String name, String by) {
        return clones.extend(name, Requests.extension(name, by));
    }

    public static CloneView reset(Clones clones, String name, String to, boolean latest) {
        return clones.reset(name, Requests.snapshot(to), latest);
    }

    public static List<CloneView> list(Clones clones, String filter) {
        return clones.list(Requests.snapshot(filter));
    }

    public static Snapshots.Deleted delete(Snapshots snapshots, String name, boolean force) {
        return snapshots.delete(SnapshotRef.parse(name), force);
    }
}
