package dev.kopi.daemon;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.source.Source;

/**
 * Keeps {@code warm: N} clones of each source's newest snapshot started and ready, so a clone
 * request for it is a record rename instead of an instance start. Warm clones of an older
 * snapshot are destroyed once a newer one is published; a hand-out wakes the pool to refill.
 * One clone is started per source per pass, so refilling never starves callers of CPU.
 */
public final class WarmPool implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(WarmPool.class.getName());

    private final Catalog catalog;
    private final Clones clones;
    private final Sources sources;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kopid-warm");
        t.setDaemon(true);
        return t;
    });

    public WarmPool(Catalog catalog, Clones clones, Sources sources) {
        this.catalog = catalog;
        this.clones = clones;
        this.sources = sources;
    }

    /**
     * Destroys the warm clones a previous kopid left (one may have been handed out without the
     * record saying so yet: it must never be handed out twice), then keeps the pool filled.
     */
    public WarmPool start() {
        for (CloneRecord w : clones.warm()) {
            clones.destroyQuietly(w.name(), "warm-restart");
        }
        timer.scheduleWithFixedDelay(this::safeTick, 1, 1, TimeUnit.SECONDS);
        clones.onWarmTaken(snapshot -> timer.execute(this::safeTick));
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
        for (Source s : sources.all()) {
            String latest = SnapshotLookup.latest(catalog, s.name()).map(SnapshotRecord::name).orElse(null);
            int have = 0;
            for (CloneRecord w : warm) {
                if (!w.snapshot().startsWith(s.name() + "@")) {
                    continue;
                }
                if (!w.snapshot().equals(latest) || have >= s.settings().warm()) {
                    clones.destroyQuietly(w.name(), "warm-replaced");
                } else {
                    have++;
                }
            }
            if (latest != null && have < s.settings().warm()) {
                try {
                    clones.createWarm(latest);
                } catch (KopiException e) {
                    LOG.fine("warm clone of " + latest + " not started: " + e.getMessage());
                }
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
