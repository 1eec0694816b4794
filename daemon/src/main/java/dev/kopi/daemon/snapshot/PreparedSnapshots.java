package dev.kopi.daemon.snapshot;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Logger;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.PreparedKey;
import dev.kopi.daemon.catalog.SnapshotLookup;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.clone.CloneView;
import dev.kopi.daemon.clone.Clones;
import dev.kopi.daemon.clone.DestroyReason;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.SnapshotRef;

/**
 * Snapshots a client prepares under a key: "production data plus this branch's migrations",
 * built once and then handed out at once, from any JVM. {@link #prepare} either returns the
 * snapshot already made for the key from the current base snapshot, or makes the caller its
 * builder (a clone of the base, which the caller migrates and then {@link #finish finishes} into
 * the snapshot BASE.KEY@TAG), or, while another caller builds it, waits for that build.
 *
 * <p>Builds are leases held in memory: a build whose builder clone is gone (destroyed, expired,
 * or a kopid restart lost the lease) is taken over by the next caller. A new base snapshot makes
 * a new build, since a prepared snapshot matches only the base it was made from; older prepared
 * snapshots of the same line go once they are unused, and all go with their base ({@link Retention}).
 */
public final class PreparedSnapshots {
    private static final Logger LOG = Logger.getLogger(PreparedSnapshots.class.getName());
    /** Longest a single call waits for another caller's build; the client calls again to wait longer. */
    public static final Duration MAX_WAIT = Duration.ofSeconds(60);
    /**
     * Most calls waiting at once: a wait holds one of the API's call threads, which the builders'
     * own calls need too; callers beyond this are answered at once and ask again.
     */
    static final int MAX_WAITERS = 16;
    /**
     * Most prepared snapshots kept per base: every branch whose migrations differ makes a key,
     * and a busy team's CI would otherwise keep one for every pull request until the base goes.
     * The oldest unused ones go first; one still cloned stays, and a key used again is rebuilt.
     */
    static final int MAX_KEYS_PER_BASE = 16;

    private final Catalog catalog;
    private final Snapshots snapshots;
    private final Clones clones;
    /** Builds in progress, by line and scope; a null clone while the builder clone is being made. Guarded by this. */
    private final Map<Build, String> builds = new HashMap<>();
    /** Calls in {@link #prepare} waiting now. Guarded by this. */
    private int waiters;

    public PreparedSnapshots(Catalog catalog, Snapshots snapshots, Clones clones) {
        this.catalog = catalog;
        this.snapshots = snapshots;
        this.clones = clones;
    }

    /** One build: the line BASE.KEY in one scope, from one exact base snapshot. */
    private record Build(String line, String scope, SnapshotRef base) {
    }

    /** What {@link #prepare} found: the snapshot, a clone for the caller to build it on, or another's build still running. */
    public record Outcome(SnapshotView ready, CloneView build, String waitingFor) {
    }

    /**
     * The snapshot prepared under {@code key} from what {@code base} resolves to now, or a build
     * of it. {@code builder} makes the builder clone from the exact base snapshot (with the
     * caller's owner and lifetime).
     */
    public Outcome prepare(SnapshotRef base, PreparedKey key, Duration wait,
                           Function<SnapshotRef, CloneView> builder) {
        SnapshotRecord from = SnapshotLookup.resolve(catalog, base);
        if (from.prepared() != null) {
            throw KopiException.invalid(from.name() + " is itself a prepared snapshot; prepare from its base, "
                    + from.parent());
        }
        Build build = new Build(key.lineOf(from.source()), key.scope(), from.ref());
        long deadline = System.nanoTime() + Math.min(wait.toNanos(), MAX_WAIT.toNanos());
        synchronized (this) {
            while (true) {
                Optional<SnapshotRecord> made = find(build);
                if (made.isPresent()) {
                    return new Outcome(view(made.get()), null, null);
                }
                String holder = builds.get(build);
                if (!builds.containsKey(build) || (holder != null && catalog.clone(holder).isEmpty())) {
                    builds.put(build, null); // this caller builds; others wait while its clone is made
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || waiters >= MAX_WAITERS) {
                    return new Outcome(null, null, holder == null ? "" : holder);
                }
                waiters++;
                try {
                    // Woken by finish and abandon; the timeout notices a builder clone that went away.
                    wait(Math.max(1, Math.min(left / 1_000_000, 1000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw KopiException.unavailable("kopid is shutting down");
                } finally {
                    waiters--;
                }
            }
        }
        try {
            CloneView clone = builder.apply(from.ref());
            synchronized (this) {
                builds.put(build, clone.record().name());
            }
            LOG.info("clone " + clone.record().name() + " builds prepared snapshot " + build.line() + " from "
                    + from.name() + " for " + key.scope());
            return new Outcome(null, clone, null);
        } catch (RuntimeException e) {
            release(build);
            throw e;
        }
    }

    /** Publishes the builder clone {@code cloneName} as the prepared snapshot, and destroys the clone. */
    public SnapshotView finish(String cloneName) {
        Build build = buildOf(cloneName);
        Optional<CloneRecord> found = catalog.clone(cloneName);
        if (found.isEmpty()) {
            release(build);
            throw KopiException.precondition("builder clone '" + cloneName + "' is gone (destroyed, or its TTL ran "
                    + "out) before the prepared snapshot was finished; prepare it again");
        }
        CloneRecord clone = found.get();
        try {
            PreparedKey key = new PreparedKey(build.line().substring(build.line().lastIndexOf('.') + 1), build.scope());
            SnapshotView made = snapshots.branch(cloneName, build.line(), "prepared from " + clone.snapshot(), key);
            prune(build, made.record().ref());
            capKeys(build.base(), made.record().ref());
            return made;
        } finally {
            destroyQuietly(cloneName);
            release(build);
        }
    }

    /** Gives up the build on {@code cloneName} (its migrations failed, say): the clone goes, the next caller builds. */
    public void abandon(String cloneName) {
        Build build = buildOf(cloneName);
        try {
            destroyQuietly(cloneName);
        } finally {
            release(build);
        }
    }

    /** The prepared snapshots of {@code base}, newest first (what retention deletes with the base). */
    List<SnapshotRecord> of(SnapshotRef base) {
        return catalog.snapshots().stream().filter(s -> s.prepared() != null && base.equals(s.parent()))
                .sorted(SnapshotLookup.NEWEST_FIRST).toList();
    }

    private Optional<SnapshotRecord> find(Build build) {
        return catalog.snapshots().stream().filter(s -> s.source().equals(build.line()) && s.prepared() != null
                && s.prepared().scope().equals(build.scope()) && build.base().equals(s.parent()))
                .max(Comparator.comparing(SnapshotRecord::createdAt));
    }

    private synchronized Build buildOf(String cloneName) {
        return builds.entrySet().stream().filter(e -> cloneName.equals(e.getValue())).map(Map.Entry::getKey)
                .findFirst().orElseThrow(() -> KopiException.precondition("clone '" + cloneName + "' is not building "
                        + "a prepared snapshot (kopid may have restarted since: prepare it again)"));
    }

    private synchronized void release(Build build) {
        builds.remove(build);
        notifyAll();
    }

    private void destroyQuietly(String cloneName) {
        try {
            clones.destroy(cloneName, DestroyReason.USER);
        } catch (KopiException e) {
            if (e.kind() != KopiException.Kind.NOT_FOUND) {
                LOG.warning("builder clone " + cloneName + " was not destroyed: " + e.getMessage()
                        + " (its TTL will end it)");
            }
        }
    }

    /** Older prepared snapshots of the same line and scope, made from earlier bases, go once unused. */
    private void prune(Build build, SnapshotRef keep) {
        for (SnapshotRecord s : catalog.snapshots()) {
            if (s.source().equals(build.line()) && s.prepared() != null && s.prepared().scope().equals(build.scope())
                    && !s.ref().equals(keep) && Retention.unused(catalog, s)) {
                try {
                    snapshots.delete(s.ref(), false, DeleteReason.RETENTION);
                } catch (KopiException e) {
                    LOG.fine("kept " + s.name() + ": " + e.getMessage()); // a clone made a moment ago
                }
            }
        }
    }

    /** The prepared snapshots of {@code base} beyond the newest {@link #MAX_KEYS_PER_BASE} go, once unused. */
    void capKeys(SnapshotRef base, SnapshotRef keep) {
        List<SnapshotRecord> all = of(base);
        for (SnapshotRecord s : all.subList(Math.min(all.size(), MAX_KEYS_PER_BASE), all.size())) {
            if (!s.ref().equals(keep) && Retention.unused(catalog, s)) {
                try {
                    snapshots.delete(s.ref(), false, DeleteReason.RETENTION);
                    LOG.info("deleted prepared snapshot " + s.name() + ": more than " + MAX_KEYS_PER_BASE
                            + " were prepared from " + base);
                } catch (KopiException e) {
                    LOG.fine("kept " + s.name() + ": " + e.getMessage()); // a clone made a moment ago
                }
            }
        }
    }

    private SnapshotView view(SnapshotRecord s) {
        return new SnapshotView(s, 0, true, 0, -1);
    }
}
