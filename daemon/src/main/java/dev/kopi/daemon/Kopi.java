package dev.kopi.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.kopi.daemon.auth.Tokens;
import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CatalogStore;
import dev.kopi.daemon.clone.Clones;
import dev.kopi.daemon.clone.Endpoint;
import dev.kopi.daemon.clone.Reaper;
import dev.kopi.daemon.clone.WarmPool;
import dev.kopi.daemon.config.Config;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.metrics.Health;
import dev.kopi.daemon.metrics.Metrics;
import dev.kopi.daemon.metrics.StateGauges;
import dev.kopi.daemon.postgres.CgroupLimits;
import dev.kopi.daemon.postgres.Identities;
import dev.kopi.daemon.postgres.LocalInstances;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.postgres.PgBinaries;
import dev.kopi.daemon.postgres.PgTools;
import dev.kopi.daemon.postgres.PortAllocator;
import dev.kopi.daemon.postgres.PostgresConfig;
import dev.kopi.daemon.postgres.Postmaster;
import dev.kopi.daemon.postgres.RuntimeDirs;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.reconcile.Reconciler;
import dev.kopi.daemon.schema.SchemaDiffs;
import dev.kopi.daemon.snapshot.PreparedSnapshots;
import dev.kopi.daemon.snapshot.Retention;
import dev.kopi.daemon.snapshot.Snapshots;
import dev.kopi.daemon.source.Refresher;
import dev.kopi.daemon.source.Scheduler;
import dev.kopi.daemon.source.Sources;
import dev.kopi.daemon.source.fill.Staging;
import dev.kopi.daemon.source.fill.Standbys;
import dev.kopi.daemon.status.StatusReporter;
import dev.kopi.daemon.storage.Pools;
import dev.kopi.daemon.storage.StorageBackend;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.daemon.tls.CertificateAuthority;
import dev.kopi.sys.Posix;

/**
 * The daemon's object graph, built once from a validated {@link Config}: the wiring, and the
 * only place that knows every service. The services stand side by side; each gets what it
 * uses and nothing else.
 */
public final class Kopi implements AutoCloseable {
    private final Clones clones;
    private final Snapshots snapshots;
    private final PreparedSnapshots prepared;
    private final SchemaDiffs schemaDiffs;
    private final Sources sources;
    private final Events events;
    private final StatusReporter status;
    private final Reconciler.Report reconciled;
    /** Null when metrics.listen is not set. */
    private final Metrics metrics;
    private final List<AutoCloseable> background;
    private final CertificateAuthority ca;
    private final Tokens tokens;

    private Kopi(Clones clones, Snapshots snapshots, PreparedSnapshots prepared, SchemaDiffs schemaDiffs,
                 Sources sources, Events events, StatusReporter status, Reconciler.Report reconciled, Metrics metrics,
                 List<AutoCloseable> background, CertificateAuthority ca, Tokens tokens) {
        this.prepared = prepared;
        this.schemaDiffs = schemaDiffs;
        this.ca = ca;
        this.tokens = tokens;
        this.clones = clones;
        this.snapshots = snapshots;
        this.sources = sources;
        this.events = events;
        this.status = status;
        this.reconciled = reconciled;
        this.metrics = metrics;
        this.background = background;
    }

    /** Opens the pool and catalog, reconciles them with what runs, then starts the background work. */
    public static Kopi open(Config config, ProcessRunner runner, Clock clock) {
        OsUser user = OsUser.lookup(config.postgres().user());
        prepareStateDirectory(config);
        RuntimeDirs runtime = new RuntimeDirs(config.state());
        runtime.prepare();
        CertificateAuthority ca = config.needsCertificateAuthority()
                ? CertificateAuthority.open(config.tlsDirectory(), clock) : null;
        StorageBackend backend = Pools.open(config.pool(), runner);
        Catalog catalog = new Catalog(new CatalogStore(config.catalogFile()));
        PgBinaries binaries = new PgBinaries(config.postgres().binaries());
        Postmaster postmaster = new Postmaster(runner, binaries, user, config.postgres().startTimeout(),
                config.postgres().stopTimeout());
        PostgresConfig.Limits limits = config.postgres().limits();
        LocalInstances instances = new LocalInstances(postmaster, runtime, config.postgres(),
                CgroupLimits.of(limits.memoryMax(), limits.processesMax()), ca).start();
        PortAllocator ports = PortAllocator.forListen(config.postgres());
        Events events = new Events(clock);
        Identities identities = new Identities(config.postgres().uidFirst(), config.postgres().uidLast());
        Clones clones = new Clones(catalog, backend, instances, ports, identities, config.clones(),
                config.pool().minFree(), endpoint(config.postgres(), ca), events, clock);
        Staging staging = new Staging(backend, instances, new PgTools(runner, binaries, user), config.pool().minFree(),
                identities, config.state().resolve("replicas"));
        Refresher refresher = new Refresher(staging, catalog, clock);
        // The directories of Kopi's own volumes: clones/, staging/ and snapshots/ (SOURCE/TAG below it).
        List<Path> managed = List.of(backend.path(VolumeId.clone("x")).getParent(),
                backend.path(VolumeId.staging("x")).getParent(),
                backend.path(VolumeId.snapshot("x", "x")).getParent().getParent());
        Sources sources = new Sources(config.sources(), catalog, refresher, clock, managed, events);
        Snapshots snapshots = new Snapshots(catalog, backend, clones, refresher, sources::isSource, events);
        // A replica source taken out of the configuration: its slot goes before its volumes do.
        staging.primaries().dropSlotsOfRemoved(sources::isSource);
        Reconciler.Report report = new Reconciler(catalog, backend, instances, clones, ports, sources::isSource).run();
        Standbys standbys = staging.standbys().watch(sources::all, events, Duration.ofSeconds(10));
        Reaper reaper = new Reaper(clones).start();
        Retention retention = new Retention(catalog, snapshots);
        Scheduler scheduler = new Scheduler(sources, retention::apply, events, clock).start();
        WarmPool warm = new WarmPool(clones, sources).start();
        StatusReporter status = new StatusReporter(backend, catalog, clones, warm, sources, ports,
                new StatusReporter.Limits(config.postgres().ports(), config.clones().max(), config.pool().minFree()),
                clock.instant());
        // Last, so a scrape or health check never sees a kopid that is still reconciling.
        Metrics metrics = config.metrics() == null ? null : new Metrics(events, new StateGauges.Parts(clones, warm,
                sources, catalog, backend, instances, clock)).serve(config.metrics(),
                new Health(backend, new CatalogStore(config.catalogFile())));
        List<AutoCloseable> background = new ArrayList<>(List.of(reaper, scheduler, warm, sources, standbys,
                instances::close));
        if (metrics != null) {
            background.add(metrics);
        }
        // Snapshots' schemas are kept beside the catalog, root's alone.
        SchemaDiffs schemaDiffs = new SchemaDiffs(catalog, clones, backend, instances, identities,
                config.state().resolve("schema-cache"));
        return new Kopi(clones, snapshots, new PreparedSnapshots(catalog, snapshots, clones), schemaDiffs, sources,
                events, status, report, metrics, background, ca,
                new Tokens(config.api().tokens(), clock));
    }

    private static Endpoint endpoint(PostgresConfig pg, CertificateAuthority ca) {
        return pg.tls() ? new Endpoint(pg.host(), ca.certificateFile(), ca.certificatePem()) : Endpoint.plain(pg.host());
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

    public PreparedSnapshots prepared() {
        return prepared;
    }

    public SchemaDiffs schemaDiffs() {
        return schemaDiffs;
    }

    public Sources sources() {
        return sources;
    }

    public Events events() {
        return events;
    }

    public StatusReporter status() {
        return status;
    }

    /** kopid's CA; null when nothing needs one (no TCP API of kopid's own making, no TLS clones). */
    public CertificateAuthority ca() {
        return ca;
    }

    /** The TCP API's tokens. */
    public Tokens tokens() {
        return tokens;
    }

    public Reconciler.Report reconciled() {
        return reconciled;
    }

    /** The metrics served on metrics.listen; empty when that is not set. */
    public Optional<Metrics> metrics() {
        return Optional.ofNullable(metrics);
    }

    /** Stops the reaper, the scheduler, the warm pool and background refreshes (clones keep running). */
    @Override
    public void close() {
        for (AutoCloseable c : background) {
            try {
                c.close();
            } catch (Exception e) {
                // closing is best effort: the process is going away
            }
        }
    }
}
