package dev.kopi.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.nio.file.Path;
import java.util.List;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CatalogStore;
import dev.kopi.daemon.config.Config;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.postgres.PgBinaries;
import dev.kopi.daemon.postgres.PortAllocator;
import dev.kopi.daemon.postgres.Postmaster;
import dev.kopi.daemon.postgres.RuntimeDirs;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.source.Refresher;
import dev.kopi.daemon.storage.PoolUsage;
import dev.kopi.daemon.storage.Pools;
import dev.kopi.daemon.storage.StorageBackend;
import dev.kopi.daemon.storage.btrfs.BtrfsBackend;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.sys.Posix;

/** The daemon's object graph, built once from a validated {@link Config}. */
public final class Kopi {
    private final Config config;
    private final StorageBackend backend;
    private final Catalog catalog;
    private final PortAllocator ports;
    private final Clones clones;
    private final Snapshots snapshots;
    private final Sources sources;
    private final Reconciler.Report reconciled;
    private final Events events;
    private final Reaper reaper;
    private final Scheduler scheduler;
    private final WarmPool warm;
    private final Instant startedAt;

    private Kopi(Config config, StorageBackend backend, Catalog catalog, PortAllocator ports, Clones clones,
                 Snapshots snapshots, Sources sources, Reconciler.Report reconciled, Events events, Reaper reaper,
                 Scheduler scheduler, WarmPool warm, Instant startedAt) {
        this.scheduler = scheduler;
        this.warm = warm;
        this.config = config;
        this.backend = backend;
        this.catalog = catalog;
        this.ports = ports;
        this.clones = clones;
        this.snapshots = snapshots;
        this.sources = sources;
        this.reconciled = reconciled;
        this.events = events;
        this.reaper = reaper;
        this.startedAt = startedAt;
    }

    /** Opens the pool and catalog, then reconciles them with what runs. */
    public static Kopi open(Config config, ProcessRunner runner, Clock clock) {
        OsUser user = OsUser.lookup(config.postgres().user());
        prepareStateDirectory(config);
        RuntimeDirs runtime = new RuntimeDirs(config.state());
        runtime.prepare();
        StorageBackend backend = Pools.open(config.pool(), runner);
        Catalog catalog = new Catalog(new CatalogStore(config.catalogFile()));
        Postmaster postmaster = new Postmaster(runner, new PgBinaries(config.postgres().binaries()), user,
                config.postgres().startTimeout(), config.postgres().stopTimeout());
        PortAllocator ports = Clones.portAllocator(config.postgres());
        Events events = new Events(clock);
        Clones clones = new Clones(catalog, backend, postmaster, ports, config.postgres(), runtime,
                config.pool().minFree(), config.clones(), events, clock);
        Refresher refresher = new Refresher(backend, postmaster, catalog, runner, runtime, clock, config.pool().minFree());
        // The directories of Kopi's own volumes: clones/, staging/ and snapshots/ (SOURCE/TAG below it).
        List<Path> managed = List.of(backend.path(VolumeId.clone("x")).getParent(),
                backend.path(VolumeId.staging("x")).getParent(),
                backend.path(VolumeId.snapshot("x", "x")).getParent().getParent());
        Sources sources = new Sources(config.sources(), catalog, refresher, clock, managed, events);
        Snapshots snapshots = new Snapshots(catalog, backend, clones, refresher, sources::isSource, events);
        Reconciler.Report report = new Reconciler(catalog, backend, postmaster, clones, ports).run();
        Reaper reaper = new Reaper(catalog, clones, clock).start();
        Scheduler scheduler = new Scheduler(sources, new Retention(catalog, snapshots), events, clock).start();
        WarmPool warm = new WarmPool(catalog, clones, sources).start();
        return new Kopi(config, backend, catalog, ports, clones, snapshots, sources, report, events, reaper,
                scheduler, warm, clock.instant());
    }

    private static void prepareStateDirectory(Config config) {
        try {
            Files.createDirectories(config.state());
            Posix.chown(config.state(), 0, 0);
            Posix.chmod(config.state(), 0755); // postgres must traverse it to reach run/ and hba/
        } catch (IOException e) {
            throw KopiException.internal("cannot prepare state directory " + config.state() + ": " + e.getMessage(), e);
        }
    }

    public Clones clones() {
        return clones;
    }

    public Snapshots snapshots() {
        return snapshots;
    }

    public Sources sources() {
        return sources;
    }

    public Events events() {
        return events;
    }

    public Reconciler.Report reconciled() {
        return reconciled;
    }

    /** What `kopictl status` shows. */
    public record Status(String version, String backend, String pool, String image, PoolUsage usage, int sources,
                         int snapshots, int clones, int clonesRunning, Instant startedAt, String ports, int portsFree,
                         int clonesMax, long minFree, String accounting, long clonesUsed, int warmClones,
                         long warmMemory) {
    }

    public Status status() {
        PoolUsage usage = backend.usage();
        List<CloneView> all = clones.list(null);
        int running = (int) all.stream().filter(c -> c.state() == CloneView.State.RUNNING).count();
        long used = all.stream().anyMatch(c -> c.usedBytes() < 0) ? -1
                : all.stream().mapToLong(CloneView::usedBytes).sum();
        return new Status(version(), backend.kind(), backend.location(),
                backend instanceof BtrfsBackend b && b.image() != null ? b.image().toString() : "", usage,
                sources.list().size(), catalog.snapshots().size(), catalog.clones().size(), running, startedAt,
                config.postgres().ports(), ports.free(), config.clones().max(), config.pool().minFree(),
                backend.accounting(), used, clones.warm().size(), clones.warmMemory());
    }

    /** Stops the reaper, the scheduler and background refreshes (clones keep running). */
    public void close() {
        reaper.close();
        scheduler.close();
        warm.close();
        sources.close();
    }

    public static String version() {
        String v = Kopi.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
