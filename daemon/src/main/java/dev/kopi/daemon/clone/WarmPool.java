package dev.kopi.daemon.clone;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotLookup;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.core.DaemonThreads;
import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.core.Reason;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.logging.LogFields;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.source.Sources;

/**
 * Keeps {@code warm: N} clones of each source's newest snapshot started and ready, so a clone
 * request for it is a record rename instead of an instance start. Warm clones of an older
 * snapshot are destroyed once a newer one is published; a hand-out wakes the pool to refill.
 * Missing clones are started {@link #STARTS} at a time: an instance start waits on the disk
 * (fsyncs, the volume's transaction commit) as much as it computes, so a test suite that takes
 * clones faster than one start sees the pool refilled at the rate of two, while a bounded number
 * keeps refilling from starving callers of CPU.
 *
 * <p>The newest snapshot prepared from a warm source's newest snapshot (production data plus the
 * migrations tests were last prepared with) gets as many warm clones: tests of a migrated
 * snapshot are handed out clones as fast as tests of the source. Only the newest: every
 * branch's migrations would otherwise each hold N running instances.
 */
public final class WarmPool implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(WarmPool.class.getName());
    /** The reason published with a clone created from a warm one. */
    private static final Reason HANDED_OUT = () -> "warm";

    private final Clones clones;
    private final Sources sources;
    /** Warm clones being started at once, all sources together. */
    static final int STARTS = 2;

    private final ScheduledExecutorService timer = DaemonThreads.timer("kopid-warm");
    private final Executor starter;
    /** Set by {@link #start()}: from then on each finished start wakes the next pass at once. */
    private volatile boolean running;
    /** Warm clones being started: name reserved, record perhaps not written yet. */
    private final Map<String, SnapshotRef> starting = new ConcurrentHashMap<>();

    /** A pool for {@code clones}, which hands out from it from now on. */
    public WarmPool(Clones clones, Sources sources) {
        this(clones, sources, DaemonThreads.pool("kopid-warm-start", STARTS));
    }

    /** A pool whose starts run on {@code starter} (tests run them when they choose). */
    WarmPool(Clones clones, Sources sources, Executor starter) {
        this.clones = clones;
        this.sources = sources;
        this.starter = starter;
        clones.attach(this);
    }

    /**
     * Destroys the warm clones a previous kopid left (one may have been handed out without the
     * record saying so yet: it must never be handed out twice), then keeps the pool filled.
     */
    public WarmPool start() {
        for (CloneRecord w : clones.warm()) {
            clones.factory().destroyQuietly(w.name(), DestroyReason.WARM_RESTART);
        }
        running = true;
        timer.scheduleWithFixedDelay(this::safeTick, 1, 1, TimeUnit.SECONDS);
        return this;
    }

    private void safeTick() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warning("warm pool: " + e.getMessage()); // the next pass tries again
        }
    }

    /** One pass: replaces stale warm clones and starts at most one missing one per source. */
    synchronized void tick() {
        List<CloneRecord> warm = clones.warm();
        tickPrepared(warm);
        for (Source s : sources.all()) {
            Optional<SnapshotRecord> latest = SnapshotLookup.latest(clones.catalog(), s.name());
            int have = latest.map(l -> startingOf(l.ref())).orElse(0);
            for (CloneRecord w : warm) {
                if (!w.snapshot().isOf(s.name()) || starting.containsKey(w.name())) {
                    continue;
                }
                if (latest.isEmpty() || !w.snapshot().equals(latest.get().ref()) || have >= s.settings().warm()) {
                    clones.factory().destroyQuietly(w.name(), DestroyReason.WARM_REPLACED);
                } else {
                    have++;
                }
            }
            if (latest.isPresent()) {
                startMissing(latest.get(), s.settings().warm() - have);
            }
        }
    }

    private int startingOf(SnapshotRef ref) {
        return (int) starting.values().stream().filter(ref::equals).count();
    }

    /** Starts up to {@code missing} warm clones of {@code snap}, no more than {@link #STARTS} at once in all. */
    private void startMissing(SnapshotRecord snap, int missing) {
        for (int i = 0; i < missing && starting.size() < STARTS; i++) {
            String name = "warm-" + CloneLocks.random(10);
            starting.put(name, snap.ref());
            try {
                starter.execute(() -> {
                    try {
                        startOne(snap, name);
                    } catch (RuntimeException e) {
                        LOG.fine("warm clone of " + snap.name() + " not started: " + e.getMessage());
                    } finally {
                        starting.remove(name);
                    }
                    if (running) {
                        refillSoon(); // the next one, at once
                    }
                });
            } catch (RejectedExecutionException closed) {
                starting.remove(name);
                return;
            }
        }
    }

    /**
     * The pass over prepared snapshots: warm clones of a snapshot that is not of a source are
     * kept only for the newest snapshot prepared from a warm source's newest, up to its count.
     */
    private void tickPrepared(List<CloneRecord> warm) {
        Map<SnapshotRef, Integer> wanted = new HashMap<>();
        Map<SnapshotRef, SnapshotRecord> records = new HashMap<>();
        for (Source s : sources.all()) {
            if (s.settings().warm() <= 0) {
                continue;
            }
            SnapshotLookup.latest(clones.catalog(), s.name()).flatMap(base -> clones.catalog().snapshots().stream()
                    .filter(p -> p.prepared() != null && base.ref().equals(p.parent()))
                    .max(Comparator.comparing(SnapshotRecord::createdAt))).ifPresent(p -> {
                        wanted.put(p.ref(), s.settings().warm());
                        records.put(p.ref(), p);
                    });
        }
        Map<SnapshotRef, Integer> have = new HashMap<>();
        starting.values().forEach(ref -> have.merge(ref, 1, Integer::sum));
        for (CloneRecord w : warm) {
            if (sources.isSource(w.snapshot().source()) || starting.containsKey(w.name())) {
                continue; // the source pass keeps those; those being started are counted already
            }
            int n = have.merge(w.snapshot(), 1, Integer::sum);
            if (n > wanted.getOrDefault(w.snapshot(), 0)) {
                clones.factory().destroyQuietly(w.name(), DestroyReason.WARM_REPLACED);
            }
        }
        wanted.forEach((ref, n) -> startMissing(records.get(ref), n - have.getOrDefault(ref, 0)));
    }

    /** Starts a warm clone of {@code snap}: a running instance held back, hidden until handed out. */
    CloneView startOne(SnapshotRecord snap) {
        return startOne(snap, "warm-" + CloneLocks.random(10));
    }

    private CloneView startOne(SnapshotRecord snap, String wanted) {
        String name = clones.locks().reserve(wanted, snap, true);
        try {
            return clones.factory().make(snap, name, null, null, Lifetime.WARM, true, System.nanoTime());
        } finally {
            clones.locks().release(name);
        }
    }

    /**
     * Hands a warm clone of {@code snap} to the caller if one is ready: only its record changes
     * (the caller's name and lifetime; its volume, port and never-disclosed credentials stay), one
     * catalog write. Empty when there is none, or the caller wants another database.
     */
    Optional<CloneView> handOut(SnapshotRecord snap, CloneRequest request, Lifetime lifetime, long t0) {
        if (request.database() != null && !request.database().equals(snap.database())) {
            return Optional.empty();
        }
        CloneLocks locks = clones.locks();
        CloneRecord w;
        String name;
        synchronized (locks) {
            w = clones.warm().stream().filter(c -> c.snapshot().equals(snap.ref()) && !locks.isBusy(c.name()))
                    .findFirst().orElse(null);
            if (w == null) {
                return Optional.empty();
            }
            name = locks.reserve(request.name(), snap, false); // the instance exists already: no new one to limit
            locks.hold(w.name(), snap.ref(), CloneView.State.CREATING);
        }
        CloneFactory factory = clones.factory();
        Optional<Long> pid;
        try {
            pid = clones.instances().pid(factory.dir(w));
            if (pid.isPresent()) {
                return Optional.of(rename(w, name, request.owner(), snap, lifetime, pid.get(), t0));
            }
        } finally {
            locks.release(name);
            locks.release(w.name());
        }
        // Destroyed only once released: destroy refuses a clone that is held.
        factory.inBackground(() -> factory.destroyQuietly(w.name(), DestroyReason.WARM_DEAD));
        return Optional.empty();
    }

    /** The hand-out itself: warm clone {@code w} becomes {@code owner}'s clone {@code name}. */
    private CloneView rename(CloneRecord w, String name, String owner, SnapshotRecord snap, Lifetime lifetime, long pid,
                             long t0) {
        Instant now = clones.clock().instant();
        CloneRecord r = lifetime.applyTo(w.handedOut(name, owner, now), now);
        clones.catalog().renameClone(w.name(), r);
        clones.activity().touch(name, now);
        long took = System.nanoTime() - t0;
        long readyMs = took / 1_000_000;
        clones.events().publish(EventKind.CLONE_CREATED, name, HANDED_OUT, "from " + snap.name() + " on port "
                + r.port(), Duration.ofNanos(took));
        LogFields fields = LogFields.of("clone", name, "snapshot", snap.name(), "source", snap.source(), "port",
                r.port(), "warm", true, "duration_ms", readyMs);
        String line = "clone " + name + " of " + snap.name() + " handed out from warm clone " + w.name() + " on port "
                + r.port() + " in " + readyMs + " ms";
        clones.factory().inBackground(() -> fields.info(LOG, line)); // off the hand-out's few milliseconds
        refillSoon();
        return new CloneView(r, CloneView.State.RUNNING, "", pid, clones.factory().dir(r), clones.endpoint(), readyMs,
                now, clones.activity().idleTimeout(r), -1);
    }

    private void refillSoon() {
        try {
            timer.execute(this::safeTick);
        } catch (RejectedExecutionException closed) {
            // kopid is stopping: nothing to refill for
        }
    }

    /** Memory (PSS) of the warm clones' instances, in bytes. */
    public long memory() {
        long sum = 0;
        for (CloneRecord w : clones.warm()) {
            sum += clones.instances().pid(clones.factory().dir(w)).map(clones.instances()::memory).orElse(0L);
        }
        return sum;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        if (starter instanceof ExecutorService e) {
            e.shutdownNow();
        }
    }
}
