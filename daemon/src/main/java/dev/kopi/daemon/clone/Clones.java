package dev.kopi.daemon.clone;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotLookup;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Names;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.logging.LogFields;
import dev.kopi.daemon.postgres.Identities;
import dev.kopi.daemon.postgres.Instance;
import dev.kopi.daemon.postgres.Instances;
import dev.kopi.daemon.postgres.PortAllocator;
import dev.kopi.daemon.storage.SpaceUsage;
import dev.kopi.daemon.storage.StorageBackend;
import dev.kopi.daemon.storage.VolumeId;

/**
 * The clones: create (from a warm clone when one is ready, else made fresh), list, extend,
 * protect, reset and destroy. The steps live in {@link CloneFactory} (make, start, destroy),
 * {@link CloneLocks} (who is working on which clone) and {@link CloneActivity} (idle clocks);
 * {@link Reaper} and {@link WarmPool} work beside this class on the same parts.
 */
public final class Clones {
    private static final Logger LOG = Logger.getLogger(Clones.class.getName());

    private final Catalog catalog;
    private final StorageBackend backend;
    private final Instances instances;
    private final ClonePolicy policy;
    private final Events events;
    private final Clock clock;
    private final Endpoint endpoint;
    private final CloneLocks locks;
    private final CloneActivity activity;
    private final CloneFactory factory;
    /** Hands out warm clones; null when there is no warm pool. */
    private volatile WarmPool warm;

    /**
     * @param minFree pool.min_free: no clone is made while less is free
     * @param endpoint where clients reach clones (their connection strings)
     */
    public Clones(Catalog catalog, StorageBackend backend, Instances instances, PortAllocator ports,
                  Identities identities, ClonePolicy policy, long minFree, Endpoint endpoint, Events events, Clock clock) {
        this.catalog = catalog;
        this.backend = backend;
        this.instances = instances;
        this.policy = policy;
        this.events = events;
        this.clock = clock;
        this.endpoint = endpoint;
        this.locks = new CloneLocks(catalog, policy);
        this.activity = new CloneActivity(policy, clock);
        this.factory = new CloneFactory(catalog, backend, instances, ports, identities, locks, activity, events,
                clock, minFree, endpoint);
    }

    /**
     * Creates a clone: resolves the snapshot, hands out a warm clone of it if one is ready,
     * else reserves a name and makes one.
     */
    public CloneView create(CloneRequest request) {
        long t0 = System.nanoTime();
        Lifetime lifetime = Lifetime.of(request, policy);
        SnapshotRecord snap = SnapshotLookup.resolve(catalog, request.snapshot());
        WarmPool pool = warm;
        if (pool != null) {
            Optional<CloneView> handedOut = pool.handOut(snap, request, lifetime, t0);
            if (handedOut.isPresent()) {
                return handedOut.get();
            }
        }
        String name = locks.reserve(request.name(), snap, true);
        try {
            return factory.make(snap, name, request.database(), request.owner(), lifetime, false, t0);
        } finally {
            locks.release(name);
        }
    }

    /**
     * Who clone {@code name} was made for (null for clones made before owners were recorded):
     * from the record alone, so asking costs nothing on a busy pool.
     */
    public Optional<String> owner(String name) {
        Names.require("clone", name);
        return Optional.ofNullable(existing(name).owner());
    }

    /** Clone {@code name}'s record (a warm clone is not one); NOT_FOUND when there is none. */
    public CloneRecord record(String name) {
        Names.require("clone", name);
        return existing(name);
    }

    /**
     * Runs kopid's own SQL on a clone's running instance, bounded for a hostile holder
     * ({@link Instances#adminBounded}); FAILED_PRECONDITION when the instance is not running or
     * the clone is being made, reset or destroyed (its instance is coming or going).
     */
    public <T> T query(CloneRecord r, String database, int timeoutSeconds, long maxResultBytes,
                       Instances.Work<T> work) throws SQLException {
        if (locks.isBusy(r.name())) {
            throw KopiException.precondition("clone '" + r.name() + "' is busy being created, reset or destroyed; "
                    + "try again when it is running");
        }
        if (instances.pid(factory.dir(r)).isEmpty()) {
            throw KopiException.precondition("clone '" + r.name() + "' is not running (see 'kopictl clones'); "
                    + "'kopictl reset " + r.name() + "' starts it again, without its changes");
        }
        return instances.adminBounded(factory.spec(r), database, timeoutSeconds, maxResultBytes, work);
    }

    public CloneView get(String name) {
        Names.require("clone", name);
        return view(existing(name), backend.volumeUsage());
    }

    /** The clones (not the warm ones), of one snapshot or source when {@code filter} is given. */
    public List<CloneView> list(Optional<SnapshotRef> filter) {
        List<CloneView> out = new ArrayList<>();
        Map<VolumeId, SpaceUsage> usage = backend.volumeUsage();
        for (CloneRecord r : catalog.clones()) {
            if (r.warm()) {
                continue; // held back for the next request; the warm pool reports them
            }
            if (filter.isEmpty() || (filter.get().exact() ? r.snapshot().equals(filter.get())
                    : r.snapshot().isOf(filter.get().source()))) {
                out.add(view(r, usage));
            }
        }
        return out;
    }

    /**
     * The clones (not the warm ones) with their state and pid but without their space usage,
     * which costs a filesystem sync on Btrfs: cheap enough for every metrics scrape.
     */
    public List<CloneView> views() {
        return catalog.clones().stream().filter(r -> !r.warm()).map(r -> view(r, Map.of())).toList();
    }

    private CloneView view(CloneRecord r, Map<VolumeId, SpaceUsage> usage) {
        Path dir = factory.dir(r);
        Optional<CloneView.State> pending = locks.state(r.name());
        Optional<Long> pid = instances.pid(dir);
        CloneView.State state = pending.orElse(pid.isPresent() ? CloneView.State.RUNNING : CloneView.State.FAILED);
        String message = state == CloneView.State.FAILED
                ? "instance is not running; see " + instances.logFile(factory.spec(r)) : "";
        SpaceUsage used = usage.get(VolumeId.clone(r.volumeName()));
        return new CloneView(r, state, message, pid.orElse(0L), dir, endpoint, 0, activity.lastActive(r),
                activity.idleTimeout(r), used == null ? -1 : used.exclusive());
    }

    /** Stops the clone's instance and destroys its volume and record, at a user's request. */
    public void destroy(String name) {
        destroy(name, DestroyReason.USER);
    }

    /** Destroys a clone; the reason goes into its event. */
    public void destroy(String name, DestroyReason reason) {
        factory.destroy(name, reason, r -> true);
    }

    /** Moves the expiry of a clone that has one further out by {@code by}. */
    public CloneView extend(String name, Duration by) {
        Names.require("clone", name);
        if (by.isZero()) {
            throw KopiException.invalid("extension: give a positive duration such as 1h");
        }
        CloneRecord next;
        synchronized (locks) {
            CloneRecord r = existing(name);
            if (r.expiresAt() == null) {
                throw KopiException.precondition("clone '" + name + "' has no TTL and never expires; nothing to extend");
            }
            Instant base = r.expiresAt().isBefore(clock.instant()) ? clock.instant() : r.expiresAt();
            next = r.withExpiry(base.plus(by));
            catalog.putClone(next);
        }
        LOG.info("clone " + name + " now expires at " + next.expiresAt());
        return view(next, backend.volumeUsage());
    }

    /** Exempts a clone from expiry and idle reaping, or ends that. */
    public CloneView protect(String name, boolean on) {
        Names.require("clone", name);
        CloneRecord next;
        synchronized (locks) {
            next = existing(name).withProtect(on);
            catalog.putClone(next);
        }
        LOG.info("clone " + name + (on ? " protected" : " no longer protected"));
        return view(next, backend.volumeUsage());
    }

    private CloneRecord existing(String name) {
        return catalog.clone(name).filter(r -> !r.warm()).orElseThrow(() -> KopiException.notFound("clone '" + name
                + "' does not exist ('kopictl clones' lists them)"));
    }

    /**
     * Throws away a clone's changes: makes a fresh clone of a snapshot (its own, {@code to}, or
     * with {@code latest} the newest of its source) on a new volume while the old instance still
     * runs, then stops it, switches the record to the new volume in one write, drops the old
     * volume and starts the instance again with the same name, port and credentials. A failure
     * before the switch leaves the clone as it was; a kopid killed at any point leaves a record
     * that names a whole volume (reconcile removes the other).
     */
    public CloneView reset(String name, Optional<SnapshotRef> to, boolean latest) {
        long t0 = System.nanoTime();
        Names.require("clone", name);
        CloneRecord record;
        SnapshotRecord target;
        String newVolume;
        synchronized (locks) {
            record = existing(name);
            if (locks.isBusy(name)) {
                throw KopiException.precondition("clone '" + name + "' is busy being created, reset or destroyed");
            }
            SnapshotRef ref = to.orElse(latest ? SnapshotRef.latestOf(record.snapshot().source()) : record.snapshot());
            target = SnapshotLookup.resolve(catalog, ref);
            locks.requireNotDeleting(target.ref());
            locks.hold(name, target.ref(), CloneView.State.RESETTING);
            newVolume = locks.freshVolumeName(name);
        }
        try {
            factory.requireSpace();
            long t1 = System.nanoTime();
            Path dir = backend.clone(VolumeId.snapshot(target.source(), target.tag()), VolumeId.clone(newVolume));
            long t2 = System.nanoTime();
            try {
                factory.give(dir, record);
            } catch (RuntimeException e) {
                backend.destroy(VolumeId.clone(newVolume));
                throw e;
            }
            Instant now = clock.instant();
            CloneRecord next = record.reset(target, now, newVolume);
            long t3 = System.nanoTime();
            // Everything the holder runs goes with the old volume, before it is destroyed; its
            // data is thrown away, so no shutdown checkpoint (a failed reset restarts it: recovery).
            instances.discard(factory.spec(record));
            long t4 = System.nanoTime();
            try {
                catalog.putClone(next);
            } catch (RuntimeException e) {
                backend.destroy(VolumeId.clone(newVolume));
                factory.start(record, false);
                throw e;
            }
            long t5 = System.nanoTime();
            destroyQuietly(VolumeId.clone(record.volumeName()));
            long t6 = System.nanoTime();
            Instance started = factory.start(next, true);
            activity.touch(name, now);
            long t7 = System.nanoTime();
            long ms = (t7 - t0) / 1_000_000;
            LogFields.of("clone", name, "snapshot", target.name(), "source", target.source(), "duration_ms", ms)
                    .info(LOG, "reset clone " + name + " to " + target.name() + " in " + ms + " ms (volume "
                            + ms(t2 - t1) + ", owner " + ms(t3 - t2) + ", stop " + ms(t4 - t3) + ", record "
                            + ms(t5 - t4) + ", old volume " + ms(t6 - t5) + ", postgres " + ms(t7 - t6) + ")");
            events.publish(EventKind.CLONE_RESET, name, null, "to " + target.name() + " in " + ms + " ms",
                    Duration.ofNanos(t7 - t0));
            return new CloneView(next, CloneView.State.RUNNING, "", started.pid(), dir, endpoint, ms, now,
                    activity.idleTimeout(next), -1);
        } finally {
            locks.release(name);
        }
    }

    private static long ms(long nanos) {
        return CloneFactory.ms(nanos);
    }

    /** The old volume of a reset: if it cannot go now, reconcile removes it (no record names it). */
    private void destroyQuietly(VolumeId volume) {
        try {
            backend.destroy(volume);
        } catch (RuntimeException e) {
            LOG.warning("old volume " + volume + " of a reset stays until the next start: " + e.getMessage());
        }
    }

    /** What {@link #adopt} found. */
    public enum Adoption { ADOPTED, RESTARTED }

    /**
     * Takes on a recorded clone when kopid starts: its instance if it still runs, else a fresh
     * start of it (its role re-asserted). Throws when it cannot be started.
     */
    /**
     * Ends whatever runs as a clone identity that none of {@code held} (the uids of recorded
     * clones) is: on start, so nothing a former holder left behind reaches the next clone given
     * that uid. Returns how many processes.
     */
    public int endStrayProcesses(Set<Integer> held) {
        return factory.endStrayProcesses(held);
    }

    public Adoption adopt(CloneRecord r) {
        factory.claim(r);
        if (instances.adopt(factory.spec(r)).isPresent()) {
            return Adoption.ADOPTED;
        }
        factory.start(r, false);
        return Adoption.RESTARTED;
    }

    /** Asks a clone's instance for a checkpoint, so a snapshot of it has little WAL to replay. */
    public void checkpoint(CloneRecord r) {
        instances.checkpoint(factory.spec(r));
    }

    /**
     * Marks a snapshot as being deleted and returns the clones that depend on it (recorded or
     * being created); no new clone of it can start until {@link #endSnapshotDeletion}.
     */
    public List<String> beginSnapshotDeletion(SnapshotRef snapshot) {
        return locks.beginSnapshotDeletion(snapshot);
    }

    public void endSnapshotDeletion(SnapshotRef snapshot) {
        locks.endSnapshotDeletion(snapshot);
    }

    /** Destroys the warm clones of {@code snapshot} (it is being deleted, or replaced by a newer one). */
    public void destroyWarmOf(SnapshotRef snapshot) {
        for (CloneRecord r : warm()) {
            if (r.snapshot().equals(snapshot)) {
                factory.destroyQuietly(r.name(), DestroyReason.WARM_REPLACED);
            }
        }
    }

    /** The warm clones, held back for the next requests. */
    public List<CloneRecord> warm() {
        return catalog.clones().stream().filter(CloneRecord::warm).toList();
    }

    /**
     * The warm clones that can be handed out now: those still starting have a record and a
     * volume already (the record is written beside the instance start) but are held.
     */
    public List<CloneRecord> warmReady() {
        return warm().stream().filter(r -> !locks.isBusy(r.name())).toList();
    }

    // The parts Reaper and WarmPool work with.

    void attach(WarmPool pool) {
        this.warm = pool;
    }

    Catalog catalog() {
        return catalog;
    }

    Instances instances() {
        return instances;
    }

    CloneLocks locks() {
        return locks;
    }

    CloneActivity activity() {
        return activity;
    }

    CloneFactory factory() {
        return factory;
    }

    ClonePolicy policy() {
        return policy;
    }

    Events events() {
        return events;
    }

    Clock clock() {
        return clock;
    }

    Endpoint endpoint() {
        return endpoint;
    }
}
