package dev.kopi.daemon.clone;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
    private final ScheduledExecutorService timer = DaemonThreads.timer("kopid-reaper");

    public Reaper(Clones clones) {
        this.clones = clones;
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

    /** One pass over all clones; returns how many it destroyed. */
    int tick() {
        int reaped = 0;
        for (CloneRecord r : clones.catalog().clones()) {
            if (r.protect() || r.warm() || clones.locks().isBusy(r.name())) {
                continue;
            }
            try {
                if (expired(r)) {
                    // Judged again on the current record: it may have been protected or extended since.
                    if (clones.factory().destroy(r.name(), DestroyReason.TTL, now -> !now.protect() && expired(now))) {
                        LOG.info("clone " + r.name() + " expired at " + r.expiresAt() + ": destroyed it");
                        reaped++;
                    }
                } else if (idle(r) && reapIdle(r)) {
                    LOG.info("clone " + r.name() + " had no sessions for "
                            + Durations.format(clones.activity().idleTimeout(r)) + ": destroyed it");
                    reaped++;
                }
            } catch (KopiException e) {
                if (e.kind() != KopiException.Kind.NOT_FOUND && e.kind() != KopiException.Kind.FAILED_PRECONDITION) {
                    LOG.warning("reaper could not destroy clone " + r.name() + ": " + e.getMessage());
                }
            }
        }
        return reaped;
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
        if (destroy) {
            clones.destroy(r.name(), DestroyReason.IDLE);
        }
        return destroy;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
