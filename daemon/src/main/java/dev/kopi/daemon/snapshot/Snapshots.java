package dev.kopi.daemon.snapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.logging.Logger;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.PreparedKey;
import dev.kopi.daemon.catalog.SnapshotLookup;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.clone.Clones;
import dev.kopi.daemon.clone.DestroyReason;
import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Names;
import dev.kopi.daemon.core.Reason;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.source.Progress;
import dev.kopi.daemon.source.Refresher;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.SpaceUsage;
import dev.kopi.daemon.storage.StorageBackend;
import dev.kopi.daemon.storage.VolumeId;

/**
 * Lists, branches and deletes published snapshots. Building a snapshot is the
 * {@link Refresher}'s job, whether from a source or (a branch) from a clone.
 */
public final class Snapshots {
    private static final Logger LOG = Logger.getLogger(Snapshots.class.getName());
    /** The reason published with a snapshot taken of a clone. */
    private static final Reason BRANCH = () -> "branch";
    /** The reason published with a snapshot a client prepared under a key. */
    private static final Reason PREPARED = () -> "prepared";

    private final Catalog catalog;
    private final StorageBackend backend;
    private final Clones clones;
    private final Refresher refresher;
    private final Predicate<String> isSource;
    private final Events events;
    /** Snapshot lines being branched into: one branch per name at a time. Guarded by this. */
    private final Set<String> branching = new HashSet<>();

    public Snapshots(Catalog catalog, StorageBackend backend, Clones clones, Refresher refresher,
                     Predicate<String> isSource, Events events) {
        this.catalog = catalog;
        this.backend = backend;
        this.clones = clones;
        this.refresher = refresher;
        this.isSource = isSource;
        this.events = events;
    }

    /** Snapshots, newest first within each source; all sources when {@code source} is empty. */
    public List<SnapshotView> list(String source) {
        if (source != null && !source.isEmpty()) {
            Names.require("source", source);
        }
        Map<SnapshotRef, Integer> counts = new HashMap<>();
        for (CloneRecord c : catalog.clones()) {
            counts.merge(c.snapshot(), 1, Integer::sum);
        }
        Map<SnapshotRef, Integer> children = new HashMap<>();
        for (SnapshotRecord s : catalog.snapshots()) {
            if (s.parent() != null) {
                children.merge(s.parent(), 1, Integer::sum);
            }
        }
        Map<VolumeId, SpaceUsage> usage = backend.volumeUsage();
        Map<String, String> latest = new HashMap<>();
        List<SnapshotRecord> all = new ArrayList<>(catalog.snapshots());
        all.sort(Comparator.comparing(SnapshotRecord::source).thenComparing(SnapshotLookup.NEWEST_FIRST));
        List<SnapshotView> out = new ArrayList<>();
        for (SnapshotRecord s : all) {
            if (source != null && !source.isEmpty() && !s.source().equals(source)) {
                continue;
            }
            boolean isLatest = !SnapshotLookup.isPointInTime(s) && latest.putIfAbsent(s.source(), s.name()) == null;
            SpaceUsage u = usage.get(VolumeId.snapshot(s.source(), s.tag()));
            out.add(new SnapshotView(s, counts.getOrDefault(s.ref(), 0), isLatest, children.getOrDefault(s.ref(), 0),
                    u == null ? -1 : u.referenced()));
        }
        return out;
    }

    /** What a delete did. */
    public record Deleted(String name, List<String> destroyedClones) {
    }

    /**
     * Deletes a snapshot. While clones depend on it the delete is refused (FAILED_PRECONDITION),
     * unless {@code force}, which destroys those clones first.
     */
    public Deleted delete(SnapshotRef ref, boolean force) {
        return delete(ref, force, force ? DeleteReason.FORCED : DeleteReason.USER);
    }

    /** Like {@link #delete(SnapshotRef, boolean)}; {@code reason} goes with the snapshot.deleted event. */
    public Deleted delete(SnapshotRef ref, boolean force, DeleteReason reason) {
        if (!ref.exact()) {
            throw KopiException.invalid("give the exact snapshot to delete as SOURCE@TAG, not '" + ref
                    + "' ('kopictl snapshots' lists them)");
        }
        SnapshotRecord snap = SnapshotLookup.resolve(catalog, ref);
        List<String> dependents = clones.beginSnapshotDeletion(snap.ref());
        try {
            if (!dependents.isEmpty() && !force) {
                throw KopiException.precondition("snapshot " + snap.name() + " has " + dependents.size()
                        + " clone(s) (" + String.join(", ", dependents) + "); destroy them first, or delete with --force");
            }
            List<String> children = catalog.snapshots().stream().filter(s -> snap.ref().equals(s.parent()))
                    .map(SnapshotRecord::name).sorted().toList();
            if (!children.isEmpty() && !force) {
                throw KopiException.precondition("snapshot " + snap.name() + " is the parent of " + children.size()
                        + " snapshot(s) taken of its clones (" + String.join(", ", children) + "); delete them first, "
                        + "or delete with --force (they are kept)");
            }
            List<String> destroyed = new ArrayList<>();
            for (String clone : dependents) {
                try {
                    clones.destroy(clone, DestroyReason.SNAPSHOT_DELETED);
                    destroyed.add(clone);
                } catch (KopiException e) {
                    if (e.kind() != KopiException.Kind.NOT_FOUND) {
                        throw e;
                    }
                }
            }
            clones.destroyWarmOf(snap.ref());
            backend.destroy(VolumeId.snapshot(snap.source(), snap.tag()));
            catalog.removeSnapshot(snap.ref());
            LOG.info("deleted snapshot " + snap.name() + (destroyed.isEmpty() ? "" : " and clones " + destroyed));
            events.publish(EventKind.SNAPSHOT_DELETED, snap.name(), reason,
                    destroyed.isEmpty() ? "" : "destroyed clones " + String.join(", ", destroyed));
            return new Deleted(snap.name(), destroyed);
        } finally {
            clones.endSnapshotDeletion(snap.ref());
        }
    }

    /**
     * Takes a prepared snapshot of a clone's current state as {@code name@TAG}. The clone keeps
     * running: it is checkpointed and snapshotted in one atomic pool operation; the copy then
     * recovers to the moment of the snapshot (committed work is in, transactions in flight are
     * not), has the clone's login role disabled, and is shut down cleanly before it is sealed.
     */
    public SnapshotView branch(String cloneName, String name, String message) {
        Names.require("clone", cloneName);
        if (name == null || name.isEmpty()) {
            throw KopiException.invalid("give the new snapshot a name (--name NAME)");
        }
        Names.require("snapshot", name);
        if (message != null && (message.length() > 1000 || Names.hasControlCharacters(message))) {
            throw KopiException.invalid("the message must be one line of at most 1000 characters");
        }
        if (isSource.test(name)) {
            throw KopiException.exists("'" + name + "' is a source; snapshots of clones need a name of their own");
        }
        if (catalog.snapshots().stream().anyMatch(s -> s.source().equals(name) && s.prepared() != null)) {
            throw KopiException.exists("'" + name + "' is a line of prepared snapshots; give this one another name");
        }
        return branch(cloneName, name, message, null);
    }

    /**
     * Takes a snapshot of a clone as {@code name@TAG}, recorded as prepared under {@code key} when
     * it is not null. Names are checked by the caller.
     */
    SnapshotView branch(String cloneName, String name, String message, PreparedKey key) {
        CloneRecord clone = catalog.clone(cloneName).orElseThrow(() -> KopiException.notFound("clone '" + cloneName
                + "' does not exist ('kopictl clones' lists them)"));
        synchronized (this) {
            if (!branching.add(name)) {
                throw KopiException.precondition("a snapshot named '" + name + "' is being taken right now");
            }
        }
        try {
            clones.checkpoint(clone);
            Source source = Source.ofClone(name, backend.path(VolumeId.clone(clone.volumeName())), clone.superuser());
            SnapshotRecord made = refresher.refresh(source, Progress.NONE, new Refresher.Lineage(clone.snapshot(),
                    cloneName, message == null || message.isEmpty() ? null : message, List.of(clone.user()), key));
            events.publish(EventKind.SNAPSHOT_CREATED, made.name(), key == null ? BRANCH : PREPARED, "of clone "
                    + cloneName + " (from " + clone.snapshot() + ")");
            return new SnapshotView(made, 0, true, 0, -1);
        } finally {
            synchronized (this) {
                branching.remove(name);
            }
        }
    }
}
