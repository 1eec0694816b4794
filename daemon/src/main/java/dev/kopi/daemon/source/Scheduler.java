package dev.kopi.daemon.source;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

import dev.kopi.daemon.core.DaemonThreads;
import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Trigger;

/**
 * kopid's own cron: once a second, starts the refreshes whose schedule came due (in the
 * background, one per source at a time: a run that finds the previous one still going is skipped
 * and says so) and applies each source's retention. Missed runs while kopid was down are not
 * made up; the next one is computed from now, as cron does.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Scheduler.class.getName());

    private final Sources sources;
    private final Consumer<Source> retention;
    private final Events events;
    private final Clock clock;
    /** Next run per source, with the expression it was computed from (a source may be re-added). */
    private final Map<String, Next> next = new HashMap<>();
    private final ScheduledExecutorService timer = DaemonThreads.timer("kopid-scheduler");

    private record Next(String expression, Instant at) {
    }

    /** @param retention applies a source's keep: N (called once a pass for each source that has one) */
    public Scheduler(Sources sources, Consumer<Source> retention, Events events, Clock clock) {
        this.sources = sources;
        this.retention = retention;
        this.events = events;
        this.clock = clock;
    }

    public Scheduler start() {
        timer.scheduleWithFixedDelay(() -> {
            try {
                tick();
            } catch (RuntimeException e) {
                LOG.warning("scheduler: " + e.getMessage()); // the next tick tries again
            }
        }, 1, 1, TimeUnit.SECONDS);
        return this;
    }

    /** One pass: returns the sources whose refresh it started. */
    synchronized Set<String> tick() {
        Instant now = clock.instant();
        Set<String> started = new HashSet<>();
        Set<String> seen = new HashSet<>();
        for (Source s : sources.all()) {
            seen.add(s.name());
            String expr = s.settings().schedule();
            if (expr == null) {
                next.remove(s.name()); // a schedule given again later starts afresh
            } else {
                Next n = next.get(s.name());
                if (n == null || !n.expression().equals(expr)) {
                    n = new Next(expr, Schedule.parse(expr).next(now, sources.zone()).orElse(Instant.MAX));
                    next.put(s.name(), n);
                }
                if (!now.isBefore(n.at())) {
                    next.put(s.name(), new Next(expr, Schedule.parse(expr).next(now, sources.zone())
                            .orElse(Instant.MAX)));
                    if (fire(s)) {
                        started.add(s.name());
                    }
                }
            }
            if (s.settings().keep() > 0 && !sources.isRefreshing(s.name())) {
                retention.accept(s);
            }
        }
        next.keySet().retainAll(seen);
        return started;
    }

    private boolean fire(Source s) {
        try {
            sources.refreshAsync(s.name(), Trigger.SCHEDULE);
            LOG.info("scheduled refresh of " + s.name() + " started (" + s.settings().schedule() + ")");
            return true;
        } catch (KopiException e) {
            LOG.warning("scheduled refresh of " + s.name() + " skipped: " + e.getMessage());
            events.publish(EventKind.REFRESH_SKIPPED, s.name(), Trigger.SCHEDULE, e.getMessage());
            return false;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
