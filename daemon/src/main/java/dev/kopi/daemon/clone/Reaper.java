package dev.kopi.daemon.clone;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.core.DaemonThreads;
import dev.kopi.daemon.core.Durations;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.InstanceSpec;

/**
 * Destroys clones whose time is up: expired ones (TTL) and ones without client sessions for
 * their idle timeout. Protected clones are exempt from both. Sessions are counted on the instance
 * itself ({@code pg_stat_activity}) with a short timeout; an instance that cannot be asked in
 * time counts as in use, so a slow or busy clone is never taken for an idle one.
 */
public final class Reaper implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Reaper.class.getName());

    private final Clones clones;
    private final Duration passWait;
    /** How long a pass waits for its checks by default; a check still running then goes on by itself. */
    static final Duration PASS_WAIT = Duration.ofSeconds(15);
    /** Checks that may run at once: enough that a few frozen instances leave the rest unhurt. */
    private static final int CHECKERS = 4;

    private final ScheduledExecutorService timer = DaemonThreads.timer("kopid-reaper");
    private final ExecutorService checks;
    /** Clones whose check is running. */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

    public Reaper(Clones clones) {
        this(clones, PASS_WAIT, CHECKERS);
    }

    /**
     * @param passWait how long a pass waits for its checks
     * @param checkers how many clones are checked at once
     */
    Reaper(Clones clones, Duration passWait, int checkers) {
        this.clones = clones;
        this.passWait = passWait;
        this.checks = DaemonThreads.pool("kopid-reaper-check", checkers);
    }

    /** Checks every {@code clones.check_interval} from now on. */
    public Reaper start() {
        long every = clones.policy().checkInterval().toMillis();
        timer.scheduleWithFixedDelay(() -> {
            try {
                tick();
            } catch (RuntimeException e) {
                LOG.warning("reaper: " + e.getMessage()); // the next tick tries again
            }
        }, every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * One pass over all clones; returns how many it destroyed. Each clone is judged on its own
     * checker thread, and the pass waits for them at most {@link #PASS_WAIT}: an instance that
     * does not answer (frozen, overloaded) holds up only its own check, which the next passes
     * skip until it is done.
     */
    int tick() {
        List<Future<Boolean>> pending = new ArrayList<>();
        for (CloneRecord r : clones.catalog().clones()) {
            if (r.protect() || r.warm() || clones.locks().isBusy(r.name()) || !inFlight.add(r.name())) {
                continue;
            }
            try {
                pending.add(checks.submit(() -> {
                    try {
                        return judge(r);
                    } finally {
                        inFlight.remove(r.name());
                    }
                }));
            } catch (RejectedExecutionException closed) {
                inFlight.remove(r.name());
                break;
            }
        }
        int reaped = 0;
        long deadline = System.nanoTime() + passWait.toNanos();
        for (Future<Boolean> f : pending) {
            try {
                if (f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    reaped++;
                }
            } catch (TimeoutException slow) {
                // still running: it finishes on its own, and the next passes leave that clone alone till then
            } catch (ExecutionException e) {
                LOG.warning("reaper: " + e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return reaped;
    }

    /** Destroys {@code r} if it expired or has been idle long enough; whether it did. */
    private boolean judge(CloneRecord r) {
        try {
            if (expired(r)) {
                // Judged again on the current record: it may have been protected or extended since.
                if (clones.factory().destroy(r.name(), DestroyReason.TTL, now -> !now.protect() && expired(now))) {
                    LOG.info("clone " + r.name() + " expired at " + r.expiresAt() + ": destroyed it");
                    return true;
                }
            } else if (idle(r) && reapIdle(r)) {
                LOG.info("clone " + r.name() + " had no sessions for "
                        + Durations.format(clones.activity().idleTimeout(r)) + ": destroyed it");
                return true;
            }
        } catch (KopiException e) {
            if (e.kind() != KopiException.Kind.NOT_FOUND && e.kind() != KopiException.Kind.FAILED_PRECONDITION) {
                LOG.warning("reaper could not destroy clone " + r.name() + ": " + e.getMessage());
            }
        }
        return false;
    }

    private boolean expired(CloneRecord r) {
        Instant at = r.expiresAt();
        return at != null && !clones.clock().instant().isBefore(at);
    }

    /** Whether the clone has had no sessions for its idle timeout; notes activity when it has some. */
    private boolean idle(CloneRecord r) {
        Duration timeout = clones.activity().idleTimeout(r);
        if (timeout.isZero()) {
            return false;
        }
        Instant since = clones.activity().lastActive(r);
        InstanceSpec spec = clones.factory().spec(r);
        OptionalInt sessions = clones.instances().sessions(spec);
        Instant now = clones.clock().instant();
        if (sessions.isPresent() && sessions.getAsInt() > 0) {
            clones.activity().touch(r.name(), now);
            return false;
        }
        if (sessions.isEmpty() && clones.instances().pid(spec.dataDir()).isPresent()) {
            return false; // running but did not answer in time: maybe busy, certainly not known idle
        }
        return Duration.between(since, now).compareTo(timeout) >= 0;
    }

    /**
     * Destroys an idle clone unless a session arrives at the last moment: it is first closed to
     * TCP clients, sessions are counted once more, and only then is it destroyed; if one turned
     * up, it is opened again and the clone lives on.
     */
    boolean reapIdle(CloneRecord r) {
        CloneLocks locks = clones.locks();
        synchronized (locks) {
            if (locks.isBusy(r.name()) || clones.catalog().clone(r.name()).map(CloneRecord::protect).orElse(true)) {
                return false;
            }
            locks.hold(r.name(), r.snapshot(), CloneView.State.DESTROYING);
        }
        InstanceSpec spec = clones.factory().spec(r);
        boolean destroy = false;
        try {
            clones.instances().setOpen(spec, false);
            OptionalInt now = clones.instances().sessions(spec);
            destroy = now.isPresent() && now.getAsInt() == 0
                    || now.isEmpty() && clones.instances().pid(spec.dataDir()).isEmpty();
            if (!destroy) {
                clones.instances().setOpen(spec, true);
                clones.activity().touch(r.name(), clones.clock().instant());
            }
        } finally {
            locks.release(r.name());
        }
        // Protection is judged again under the lock: a user may have protected it meanwhile.
        if (destroy && clones.factory().destroy(r.name(), DestroyReason.IDLE, now -> !now.protect())) {
            return true;
        }
        if (destroy) {
            clones.instances().setOpen(spec, true);
        }
        return false;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        checks.shutdownNow();
        try {
            // A check midway (a destroy) finishes rather than stopping half-way; a frozen one is given up.
            checks.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
