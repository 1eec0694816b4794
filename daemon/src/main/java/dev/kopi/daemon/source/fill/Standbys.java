package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;

import dev.kopi.daemon.core.DaemonThreads;
import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Reason;
import dev.kopi.daemon.source.Progress;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.StorageErrors;

/**
 * The standbys of every replica source, and the watch that keeps them up: adopted at kopid's
 * start (a standby outlives kopid like a clone), started again when one died, re-seeded when one
 * lost its slot or fell behind what the primary keeps (an event says so), and their WAL
 * archives pruned to wal_keep and pool.min_free. Everything done to one source's standby holds
 * that source's lock, so a refresh never snapshots a standby being re-seeded or removed.
 */
public final class Standbys implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Standbys.class.getName());
    private static final Reason WATCH = () -> "watch";
    /** How often the watch takes a raw base at most (more often when wal_keep is short). */
    private static final Duration BASE_EVERY = Duration.ofHours(1);

    private final Staging staging;
    private final Clock clock;
    private final Map<String, Standby> standbys = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = DaemonThreads.timer("kopid-standbys");

    public Standbys(Staging staging, Clock clock) {
        this.staging = staging;
        this.clock = clock;
    }

    /** The standby of {@code source} (a replica source), as now defined. */
    Standby of(Source source) {
        // Sources are read again on every call (the catalog may have changed): what was learned
        // about the running standby (its superuser, when it was last caught up) carries over.
        return standbys.compute(source.name(), (k, old) -> new Standby(source, staging, old));
    }

    /** The lock held for everything done to the standby of {@code source}. */
    Object lock(String source) {
        return locks.computeIfAbsent(source, k -> new Object());
    }

    /** The standby's state for {@code kopictl sources}; empty for other kinds of source. */
    public Optional<Standby.Status> status(Source source) {
        if (source.kind() != Source.Kind.REPLICA) {
            return Optional.empty();
        }
        return Optional.of(of(source).status(clock.instant()));
    }

    /**
     * Adopts every seeded standby that kept running, starts those that did not; then, every
     * {@code every}, does the same and prunes the archives. Errors are logged and retried.
     */
    public Standbys watch(Supplier<List<Source>> sources, Events events, Duration every) {
        check(sources.get(), events);
        timer.scheduleWithFixedDelay(() -> check(sources.get(), events), every.toMillis(), every.toMillis(),
                TimeUnit.MILLISECONDS);
        return this;
    }

    private void check(List<Source> sources, Events events) {
        for (Source s : sources) {
            if (s.kind() != Source.Kind.REPLICA) {
                continue;
            }
            try {
                keepUp(s, events);
            } catch (RuntimeException e) {
                LOG.warning("standby of " + s.name() + ": " + e.getMessage());
            }
        }
    }

    private void keepUp(Source source, Events events) {
        synchronized (lock(source.name())) {
            Standby st = of(source);
            if (!st.seeded()) {
                return; // the first refresh seeds it
            }
            staging.primaries().remember(source); // standbys seeded by a kopid that did not remember yet
            if (!st.running()) {
                st.start();
                LOG.info("started the standby of " + source.name());
                events.publish(EventKind.STANDBY_STARTED, source.name(), WATCH, "standby was not running");
            } else if (!st.adopt()) {
                return;
            }
            if (st.lost()) {
                String why = "the standby of " + source.name() + " can no longer follow its primary (its slot is gone, "
                        + "or the primary removed WAL it needed): seeding it again";
                LOG.warning(why);
                events.publish(EventKind.STANDBY_RESEEDED, source.name(), WATCH, why);
                try {
                    st.seed(Progress.NONE);
                } catch (IOException e) {
                    throw StorageErrors.wrap("re-seed the standby of " + source.name(), e);
                }
            }
            st.status(clock.instant());
            ReplicaHistory history = new ReplicaHistory(st, staging);
            Instant now = clock.instant();
            // Point-in-time clones replay from the newest base before their target: a base every
            // so often bounds that replay even when nobody refreshes.
            Duration every = source.walKeep().dividedBy(4).compareTo(BASE_EVERY) < 0 ? source.walKeep().dividedBy(4)
                    : BASE_EVERY;
            if (history.bases().stream().noneMatch(b -> b.taken().isAfter(now.minus(every)))) {
                history.takeBase(now);
            }
            int pruned = history.prune(now, source.walKeep());
            if (pruned > 0) {
                LOG.fine("pruned " + pruned + " archived WAL segment(s) of " + source.name());
            }
        }
    }

    /**
     * Makes sure the standby of {@code source} is seeded and running, seeding it (the first
     * refresh) or starting it; returns it. Call holding {@link #lock}.
     */
    Standby ready(Source source, Progress progress) throws IOException {
        Standby st = of(source);
        staging.primaries().remember(source); // before the slot is made: a kopid killed after still knows it
        if (!st.seeded()) {
            progress.report("seed", "seeding the standby of " + source.name(), 0, 0);
            st.seed(progress);
        } else if (!st.running()) {
            st.start();
        } else {
            st.adopt();
        }
        return st;
    }

    /**
     * Stops and removes the standby of {@code source}, its slot and its volumes; see
     * {@link Standby#remove} for an unreachable primary and {@code leaveSlot}.
     */
    public void remove(Source source, boolean leaveSlot) {
        if (source.kind() != Source.Kind.REPLICA) {
            return;
        }
        synchronized (lock(source.name())) {
            try {
                of(source).remove(leaveSlot);
                standbys.remove(source.name());
                staging.primaries().forget(source.name());
            } catch (KopiException e) {
                throw e; // refused before anything changed: the standby stays watched
            } catch (RuntimeException e) {
                standbys.remove(source.name());
                throw KopiException.internal("cannot remove the standby of " + source.name() + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
