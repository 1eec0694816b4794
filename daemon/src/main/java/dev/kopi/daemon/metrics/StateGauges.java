package dev.kopi.daemon.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.logging.Logger;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.RefreshRecord;
import dev.kopi.daemon.catalog.SnapshotLookup;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.clone.CloneView;
import dev.kopi.daemon.clone.Clones;
import dev.kopi.daemon.clone.WarmPool;
import dev.kopi.daemon.postgres.Instances;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.source.Sources;
import dev.kopi.daemon.storage.PoolUsage;
import dev.kopi.daemon.storage.StorageBackend;

/**
 * The gauges of how things are: read from the catalog, the clones, the pool and the instances at
 * each scrape, never mirrored, so a gauge cannot drift from what {@code kopictl status} shows. A
 * part that cannot be read (the pool unmounted) drops its series from that scrape instead of
 * failing the whole scrape; {@code /healthz} says why.
 */
public final class StateGauges {
    private static final Logger LOG = Logger.getLogger(StateGauges.class.getName());

    /** What the gauges read. {@code warmPool} may be null (no warm pool). */
    public record Parts(Clones clones, WarmPool warmPool, Sources sources, Catalog catalog, StorageBackend backend,
                        Instances instances, Clock clock) {
    }

    private final Parts parts;

    /** Registers the gauges in {@code registry}. */
    public StateGauges(PrometheusRegistry registry, Parts parts) {
        this.parts = parts;
        gauge(registry, "kopi_clones", null, "Clones by state (warm clones not included)", this::clones, "state");
        gauge(registry, "kopi_pool_size_bytes", Unit.BYTES, "Size of the pool", cb -> cb.call(usage().size()));
        gauge(registry, "kopi_pool_free_bytes", Unit.BYTES, "Free space in the pool (clones are refused below "
                + "pool.min_free)", cb -> cb.call(usage().free()));
        gauge(registry, "kopi_snapshot_age_seconds", Unit.SECONDS, "How old the data behind each source's newest "
                + "snapshot is", this::snapshotAges, "source");
        gauge(registry, "kopi_replica_lag_seconds", Unit.SECONDS, "How far each replica source's standby is behind "
                + "its primary (0 when caught up; the time since its last replayed commit otherwise)", this::lag,
                "source");
        gauge(registry, "kopi_warm_clones", null, "Warm clones ready for hand-out, by source", this::warm, "source");
        gauge(registry, "kopi_instances_memory_bytes", Unit.BYTES, "Memory (PSS) of the clones' Postgres instances, "
                + "by kind (clone, warm)", this::memory, "kind");
    }

    private static void gauge(PrometheusRegistry registry, String name, Unit unit, String help,
                              Consumer<GaugeWithCallback.Callback> values, String... labels) {
        GaugeWithCallback.Builder b = GaugeWithCallback.builder().name(name).help(help).labelNames(labels)
                .callback(cb -> {
                    try {
                        values.accept(cb);
                    } catch (RuntimeException e) {
                        LOG.fine(name + " left out of this scrape: " + e.getMessage());
                    }
                });
        if (unit != null) {
            b.unit(unit);
        }
        b.register(registry);
    }

    private PoolUsage usage() {
        return parts.backend().usage();
    }

    /** Every state, zero included, so a state's series does not vanish when it empties. */
    private void clones(GaugeWithCallback.Callback cb) {
        Map<CloneView.State, Integer> byState = new EnumMap<>(CloneView.State.class);
        for (CloneView.State s : CloneView.State.values()) {
            byState.put(s, 0);
        }
        for (CloneView c : parts.clones().views()) {
            byState.merge(c.state(), 1, Integer::sum);
        }
        byState.forEach((state, n) -> cb.call(n, state.name().toLowerCase(Locale.ROOT)));
    }

    private void snapshotAges(GaugeWithCallback.Callback cb) {
        Instant now = parts.clock().instant();
        for (Source s : parts.sources().all()) {
            dataTime(s.name()).ifPresent(t -> cb.call(Math.max(0, Duration.between(t, now).toMillis()) / 1000.0,
                    s.name()));
        }
    }

    /**
     * When the data behind the source's newest snapshot was current: when it was published, or,
     * for a seed whose scripts had not changed since, when the last refresh confirmed that.
     */
    Optional<Instant> dataTime(String source) {
        Optional<SnapshotRecord> latest = SnapshotLookup.latest(parts.catalog(), source);
        if (latest.isEmpty()) {
            return Optional.empty();
        }
        Instant published = latest.get().createdAt();
        Optional<RefreshRecord> last = parts.catalog().refresh(source);
        if (last.isPresent() && last.get().ok() && last.get().unchanged()
                && latest.get().ref().equals(last.get().snapshot())) {
            Instant confirmed = last.get().startedAt().plusMillis(last.get().durationMs());
            return Optional.of(confirmed.isAfter(published) ? confirmed : published);
        }
        return Optional.of(published);
    }

    private void lag(GaugeWithCallback.Callback cb) {
        for (Sources.SourceView v : parts.sources().list()) {
            v.standby().filter(st -> !st.state().equals("not seeded"))
                    .ifPresent(st -> cb.call(st.lag().toMillis() / 1000.0, v.source().name()));
        }
    }

    private void warm(GaugeWithCallback.Callback cb) {
        Map<String, Integer> bySource = new TreeMap<>();
        for (Source s : parts.sources().all()) {
            if (s.settings().warm() > 0) {
                bySource.put(s.name(), 0); // a pool that is empty is worth seeing
            }
        }
        for (CloneRecord w : parts.clones().warmReady()) {
            bySource.merge(w.snapshot().source(), 1, Integer::sum);
        }
        bySource.forEach((source, n) -> cb.call(n, source));
    }

    private void memory(GaugeWithCallback.Callback cb) {
        List<CloneView> running = parts.clones().views().stream().filter(c -> c.pid() > 0).toList();
        long clones = running.stream().mapToLong(c -> parts.instances().memory(c.pid())).sum();
        cb.call(clones, "clone");
        cb.call(parts.warmPool() == null ? 0 : parts.warmPool().memory(), "warm");
    }
}
