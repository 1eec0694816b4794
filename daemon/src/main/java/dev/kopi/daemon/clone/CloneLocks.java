package dev.kopi.daemon.clone;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.SnapshotRef;

/**
 * Which clones are being created, reset or destroyed, and which snapshots are being deleted:
 * the one monitor that makes those steps exclusive. Compound decisions (look at a record, then
 * hold its name) are made in {@code synchronized (locks)} blocks; every method here takes the
 * same monitor.
 */
final class CloneLocks {
    private static final String NAME_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";

    /** A clone being worked on, and the snapshot it is (being) made from. */
    private record Pending(SnapshotRef snapshot, CloneView.State state) {
    }

    private final Catalog catalog;
    private final ClonePolicy policy;
    private final Map<String, Pending> busy = new HashMap<>();
    private final Set<SnapshotRef> deletingSnapshots = new HashSet<>();

    CloneLocks(Catalog catalog, ClonePolicy policy) {
        this.catalog = catalog;
        this.policy = policy;
    }

    /**
     * Reserves a name for a new clone of {@code snap}: {@code requested}, or a generated one when
     * null. With {@code limited}, refuses beyond clones.max (a warm hand-out makes no new instance).
     */
    synchronized String reserve(String requested, SnapshotRecord snap, boolean limited) {
        requireNotDeleting(snap.ref());
        if (catalog.snapshot(snap.ref()).isEmpty()) {
            throw KopiException.notFound("snapshot " + snap.name() + " was just deleted");
        }
        if (limited && policy.max() > 0) {
            // A clone being created is recorded while its postgres starts: count it once.
            long creating = busy.entrySet().stream().filter(e -> e.getValue().state() == CloneView.State.CREATING
                    && catalog.clone(e.getKey()).isEmpty()).count();
            if (catalog.clones().size() + creating >= policy.max()) {
                throw KopiException.exhausted("clone limit reached: " + (catalog.clones().size() + creating)
                        + " clones exist and clones.max is " + policy.max() + "; destroy some ('kopictl clones')");
            }
        }
        String name = requested;
        if (name == null) {
            String prefix = snap.source().length() > 56 ? snap.source().substring(0, 56) : snap.source();
            do {
                name = prefix + "-" + random(6);
            } while (taken(name));
        } else if (taken(name)) {
            throw KopiException.exists("clone '" + name + "' already exists; pick another --name or destroy it first");
        }
        hold(name, snap.ref(), CloneView.State.CREATING);
        return name;
    }

    /** Marks {@code name} as being worked on; FAILED_PRECONDITION if it is already. */
    synchronized void hold(String name, SnapshotRef snapshot, CloneView.State state) {
        if (busy.containsKey(name)) {
            throw KopiException.precondition("clone '" + name + "' is busy being created, reset or destroyed");
        }
        busy.put(name, new Pending(snapshot, state));
    }

    synchronized void release(String name) {
        busy.remove(name);
    }

    synchronized boolean isBusy(String name) {
        return busy.containsKey(name);
    }

    /** What is being done to {@code name}, if anything. */
    synchronized Optional<CloneView.State> state(String name) {
        return Optional.ofNullable(busy.get(name)).map(Pending::state);
    }

    synchronized void requireNotDeleting(SnapshotRef snapshot) {
        if (deletingSnapshots.contains(snapshot)) {
            throw KopiException.precondition("snapshot " + snapshot + " is being deleted");
        }
    }

    /**
     * Marks a snapshot as being deleted and returns the clones that depend on it; no new clone
     * of it can start until {@link #endSnapshotDeletion}.
     */
    synchronized List<String> beginSnapshotDeletion(SnapshotRef snapshot) {
        for (Map.Entry<String, Pending> e : busy.entrySet()) {
            // Not even --force can take a snapshot from under a clone that is still being made.
            if (e.getValue().snapshot().equals(snapshot) && (e.getValue().state() == CloneView.State.CREATING
                    || e.getValue().state() == CloneView.State.RESETTING)) {
                throw KopiException.precondition("clone '" + e.getKey() + "' is being created or reset from snapshot "
                        + snapshot + "; try again in a moment");
            }
        }
        List<String> dependents = new ArrayList<>(catalog.cloneNamesOf(snapshot));
        deletingSnapshots.add(snapshot);
        return dependents;
    }

    synchronized void endSnapshotDeletion(SnapshotRef snapshot) {
        deletingSnapshots.remove(snapshot);
    }

    /**
     * A volume name for a clone's next volume (a reset) that no clone, no record's volume and no
     * reservation uses: the clone's name (shortened) and a random suffix.
     */
    synchronized String freshVolumeName(String clone) {
        String prefix = clone.length() > 52 ? clone.substring(0, 52) : clone;
        String name;
        do {
            name = prefix + "-r" + random(8);
        } while (taken(name));
        return name;
    }

    /** Whether {@code name} is a clone's, a clone volume's, or reserved. */
    private boolean taken(String name) {
        return busy.containsKey(name) || catalog.clone(name).isPresent()
                || catalog.clones().stream().anyMatch(c -> c.volumeName().equals(name));
    }

    static String random(int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(NAME_ALPHABET.charAt(ThreadLocalRandom.current().nextInt(NAME_ALPHABET.length())));
        }
        return b.toString();
    }
}
