package dev.kopi.daemon;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CloneRecord;

/**
 * Destroys clones whose time is up: expired ones (TTL) and ones without client sessions for
 * their idle timeout. Protected clones are exempt from both. Sessions are counted on the instance
 * itself ({@code pg_stat_activity}) with a short timeout; an instance that cannot be asked in
 * time counts as in use, so a slow or busy clone is never taken for an idle one.
 */
public final class Reaper implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Reaper.class.getName());

    private final Catalog catalog;
    private final Clones clones;
    private final Clock clock;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kopid-reaper");
        t.setDaemon(true);
        return t;
    });

    public Reaper(Catalog catalog, Clones clones, Clock clock) {
        this.catalog = catalog;
        this.clones = clones;
        this.clock = clock;
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
        for (CloneRecord r : catalog.clones()) {
            if (r.protect() || r.warm() || clones.isBusy(r.name())) {
                continue;
            }
            try {
                if (expired(r)) {
                    // Judged again on the current record: it may have been protected or extended since.
                    if (clones.destroy(r.name(), "ttl", now -> !now.protect() && expired(now))) {
                        LOG.info("clone " + r.name() + " expired at " + r.expiresAt() + ": destroyed it");
                        reaped++;
                    }
                } else if (idle(r) && clones.reapIdle(r)) {
                    LOG.info("clone " + r.name() + " had no sessions for " + Durations.format(clones.idleTimeout(r))
                            + ": destroyed it");
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
        Instant at = r.expiry();
        return at != null && !clock.instant().isBefore(at);
    }

    /** Whether the clone has had no sessions for its idle timeout; notes activity when it has some. */
    private boolean idle(CloneRecord r) {
        Duration timeout = clones.idleTimeout(r);
        if (timeout.isZero()) {
            return false;
        }
        Instant since = clones.lastActive(r);
        OptionalInt sessions = clones.sessions(r);
        Instant now = clock.instant();
        if (sessions.isPresent() && sessions.getAsInt() > 0) {
            clones.touch(r.name(), now);
            return false;
        }
        if (sessions.isEmpty() && clones.running(r)) {
            return false; // running but did not answer in time: maybe busy, certainly not known idle
        }
        return Duration.between(since, now).compareTo(timeout) >= 0;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
