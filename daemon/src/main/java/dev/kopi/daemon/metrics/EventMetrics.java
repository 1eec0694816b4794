package dev.kopi.daemon.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

import dev.kopi.daemon.clone.DestroyReason;
import dev.kopi.daemon.core.Events;

/**
 * The counters and histograms of what happened, fed from the {@link Events} stream that {@code
 * kopictl events} shows: the services publish each clone and refresh outcome once already, so
 * the metrics follow that one stream instead of being threaded through the domain.
 */
public final class EventMetrics implements AutoCloseable {
    /** From a warm hand-out (milliseconds) to a cold start on a slow disk (tens of seconds). */
    private static final double[] READY_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    /** From an unchanged seed (a second) to a basebackup of a large server (hours). */
    private static final double[] REFRESH_BUCKETS = {1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400};

    private final Counter created;
    private final Counter destroyed;
    private final Counter reset;
    private final Histogram ready;
    private final Counter refreshes;
    private final Histogram refreshDuration;
    private final Events.Subscription subscription;

    /** Registers the metrics in {@code registry} and follows {@code events} from now on. */
    public EventMetrics(PrometheusRegistry registry, Events events) {
        created = Counter.builder().name("kopi_clones_created_total")
                .help("Clones handed to callers (made fresh or from the warm pool)").register(registry);
        destroyed = Counter.builder().name("kopi_clones_destroyed_total")
                .help("Clones destroyed, by reason (user, ttl, idle, snapshot-deleted, warm upkeep)")
                .labelNames("reason").register(registry);
        for (DestroyReason r : DestroyReason.values()) {
            destroyed.labelValues(r.word()); // every reason is a series from the start, so rate() sees the first
        }
        reset = Counter.builder().name("kopi_clones_reset_total").help("Clones reset to a snapshot")
                .register(registry);
        ready = Histogram.builder().name("kopi_clone_ready_seconds").unit(Unit.SECONDS)
                .help("Time from a clone request to the clone being ready").classicOnly()
                .classicUpperBounds(READY_BUCKETS).register(registry);
        refreshes = Counter.builder().name("kopi_refresh_total")
                .help("Refreshes of a source, by result (ok, failed, skipped: a scheduled run found one running)")
                .labelNames("source", "result").register(registry);
        refreshDuration = Histogram.builder().name("kopi_refresh_duration_seconds").unit(Unit.SECONDS)
                .help("How long refreshes of a source took, by result (ok, failed)").labelNames("source", "result")
                .classicOnly().classicUpperBounds(REFRESH_BUCKETS).register(registry);
        subscription = events.watch(0, this::record);
    }

    private void record(Events.Event e) {
        // Called under the Events lock: counting only, nothing that waits.
        double seconds = e.took().toNanos() / 1e9;
        switch (e.kind()) {
            case CLONE_CREATED -> {
                created.inc();
                ready.observe(seconds);
            }
            case CLONE_DESTROYED -> destroyed.labelValues(e.reason().isEmpty() ? "unknown" : e.reason()).inc();
            case CLONE_RESET -> reset.inc();
            case REFRESH_OK -> refreshed(e.name(), "ok", seconds);
            case REFRESH_FAILED -> refreshed(e.name(), "failed", seconds);
            case REFRESH_SKIPPED -> refreshes.labelValues(e.name(), "skipped").inc();
            default -> {
                // snapshots: their count and age are read from the catalog at scrape time
            }
        }
    }

    private void refreshed(String source, String result, double seconds) {
        refreshes.labelValues(source, result).inc();
        refreshDuration.labelValues(source, result).observe(seconds);
    }

    @Override
    public void close() {
        subscription.close();
    }
}
