package dev.kopi.daemon.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.logging.Logger;
import java.util.stream.Stream;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.RefreshRecord;
import dev.kopi.daemon.catalog.SnapshotLookup;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.catalog.SourceRecord;
import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.core.DaemonThreads;
import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Names;
import dev.kopi.daemon.core.Reason;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.core.Trigger;
import dev.kopi.daemon.logging.LogFields;
import dev.kopi.daemon.postgres.DataDirectory;
import dev.kopi.daemon.source.fill.Standby;

/**
 * Sources from the config file and from the API, and their refreshes: at most one refresh per
 * source at a time; a second request, or a scheduled run while one is going, is refused with
 * FAILED_PRECONDITION (a scheduled run is skipped and says so in the events).
 */
public final class Sources implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Sources.class.getName());
    /** The reason published with a snapshot a refresh made. */
    private static final Reason REFRESH = () -> "refresh";
    /** The reason published with a point-in-time snapshot. */
    private static final Reason POINT_IN_TIME = () -> "point-in-time";

    private final Map<String, Source> configured;
    private final Catalog catalog;
    private final Refresher refresher;
    private final Clock clock;
    private final ConcurrentHashMap<String, Instant> refreshing = new ConcurrentHashMap<>();
    /** Directories holding Kopi's own volumes: never a source (that would clone someone's clone). */
    private final List<Path> managed;
    private final Events events;
    /** Runs async and scheduled refreshes; a refresh's own work is mostly waiting on tools. */
    private final ExecutorService background = DaemonThreads.cached("kopid-refresh");

    public Sources(Map<String, Source> configured, Catalog catalog, Refresher refresher, Clock clock,
                   List<Path> managed, Events events) {
        this.events = events;
        this.configured = Map.copyOf(configured);
        this.catalog = catalog;
        this.refresher = refresher;
        this.clock = clock;
        this.managed = List.copyOf(managed);
    }

    /** A source with what callers want to know about it. {@code nextRefresh} is null without a schedule. */
    public record SourceView(Source source, int snapshotCount, Optional<SnapshotRecord> latest,
                             Optional<RefreshRecord> lastRefresh, boolean refreshing, Instant nextRefresh,
                             String scheduleDescription, Optional<Standby.Status> standby) {
        /** A source without a standby (every kind but replica). */
        public SourceView(Source source, int snapshotCount, Optional<SnapshotRecord> latest,
                          Optional<RefreshRecord> lastRefresh, boolean refreshing, Instant nextRefresh,
                          String scheduleDescription) {
            this(source, snapshotCount, latest, lastRefresh, refreshing, nextRefresh, scheduleDescription,
                    Optional.empty());
        }
    }

    public List<SourceView> list() {
        List<SourceView> out = new ArrayList<>();
        for (Source s : all()) {
            out.add(view(s));
        }
        return out;
    }

    /** Whether {@code name} is a source (from the config file or the API). */
    public boolean isSource(String name) {
        return configured.containsKey(name) || catalog.source(name).isPresent();
    }

    public SourceView get(String name) {
        return view(find(name));
    }

    /** Every source, config file first (by name), then those added through the API. */
    public List<Source> all() {
        List<Source> out = new ArrayList<>();
        configured.values().stream().sorted(Comparator.comparing(Source::name)).forEach(out::add);
        for (SourceRecord r : catalog.sources()) {
            if (!configured.containsKey(r.name())) {
                out.add(fromRecord(r));
            }
        }
        return out;
    }

    private SourceView view(Source s) {
        List<SnapshotRecord> snaps = SnapshotLookup.ofSource(catalog, s.name());
        Instant next = null;
        String description = "";
        if (s.settings().schedule() != null) {
            Schedule schedule = Schedule.parse(s.settings().schedule());
            next = schedule.next(clock.instant(), zone()).orElse(null);
            description = schedule.describe();
        }
        return new SourceView(s, snaps.size(), SnapshotLookup.latest(catalog, s.name()), catalog.refresh(s.name()),
                refreshing.containsKey(s.name()), next, description, refresher.standbys().status(s));
    }

    /** The zone schedules are read in: kopid's, as with cron. */
    public ZoneId zone() {
        return clock.getZone();
    }

    private static Source fromRecord(SourceRecord r) {
        Source.Kind kind = Source.Kind.of(r.kind());
        return new Source(r.name(), kind, r.datadir() == null ? null : Path.of(r.datadir()),
                r.conninfo() == null ? null : storedConninfo(r),
                r.seed().stream().map(Path::of).toList(), r.superuser(),
                r.settings() == null ? SourceSettings.NONE : r.settings(), Source.Origin.API);
    }

    private static Conninfo storedConninfo(SourceRecord r) {
        try {
            return Conninfo.parse(r.conninfo());
        } catch (KopiException e) {
            LOG.warning("source " + r.name() + ": stored connection string cannot be read: " + e.getMessage());
            return Conninfo.unreadable(e.getMessage());
        }
    }

    private Source find(String name) {
        Names.require("source", name);
        return all().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> KopiException.notFound("source '" + name + "' does not exist ('kopictl sources' "
                        + "lists them; 'kopictl source add' adds one)"));
    }

    /** Adds a data directory source with default settings. */
    public Source add(String name, String datadir) {
        if (datadir == null || datadir.isEmpty()) {
            Names.require("source", name);
            throw KopiException.invalid("source " + name + ": give a data directory (--datadir PATH)");
        }
        return add(SourceDefinition.ofDatadir(name, datadir, null));
    }

    /**
     * Validates and stores a source; what it reads must exist now (a data directory, the seed and
     * transform scripts, the password file), so a typo fails here rather than at 03:00.
     */
    public Source add(SourceDefinition definition) {
        Source s = definition.toSource(Source.Origin.API);
        String name = s.name();
        if (s.kind() == Source.Kind.DATADIR) {
            requireOutsideOwnVolumes(s);
            DataDirectory dd = new DataDirectory(s.datadir());
            if (!dd.exists()) {
                throw KopiException.precondition("source " + name + ": " + s.datadir()
                        + " does not exist or is not a directory");
            }
            dd.version(); // is it a data directory at all?
        }
        for (Path p : s.seed()) {
            requireReadable(name, "seed script", p);
        }
        for (String p : s.settings().transforms()) {
            requireReadable(name, "transform script", Path.of(p));
        }
        if (s.settings().passwordFile() != null) {
            requireReadable(name, "password_file", Path.of(s.settings().passwordFile()));
        }
        synchronized (this) {
            if (configured.containsKey(name) || catalog.source(name).isPresent()) {
                throw KopiException.exists("source '" + name + "' already exists");
            }
            if (!SnapshotLookup.ofSource(catalog, name).isEmpty()) {
                throw KopiException.exists("'" + name + "' names snapshots taken of clones; pick another source name");
            }
            catalog.putSource(new SourceRecord(name, s.kind().word(),
                    s.datadir() == null ? null : s.datadir().toString(), s.superuser(), clock.instant(),
                    s.conninfo() == null ? null : Stream.of(definition.basebackup(), definition.dump(),
                            definition.replica()).filter(t -> t != null && !t.isBlank()).findFirst().orElse(null),
                    s.seed().stream().map(Path::toString).toList(), s.settings()));
        }
        LOG.info("added source " + name + " (" + s.kind().word() + ": " + s.location() + ")");
        return find(name);
    }

    /**
     * Refuses a data directory inside Kopi's own volumes (that would copy someone's clone, or a
     * snapshot): by its path as given and by where it really is, links resolved, since a path
     * elsewhere may be a link into the pool.
     */
    private void requireOutsideOwnVolumes(Source s) {
        Path real = s.datadir();
        try {
            real = s.datadir().toRealPath();
        } catch (IOException | SecurityException e) {
            // does not exist (yet): the lexical check below is all there is to check
        }
        for (Path m : managed) {
            Path realManaged = m;
            try {
                realManaged = m.toRealPath();
            } catch (IOException | SecurityException e) {
                // not made yet
            }
            if (s.datadir().startsWith(m) || real.startsWith(m) || real.startsWith(realManaged)) {
                throw KopiException.invalid("source " + s.name() + ": " + s.datadir() + " is inside Kopi's own "
                        + "volumes (" + m + "); make a snapshot of a clone with 'kopictl snapshot' instead");
            }
        }
    }

    private static void requireReadable(String source, String what, Path p) {
        try {
            if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                throw KopiException.precondition("source " + source + ": " + what + " " + p
                        + " does not exist or cannot be read");
            }
        } catch (InvalidPathException | SecurityException e) {
            throw KopiException.precondition("source " + source + ": " + what + " " + p + ": " + e.getMessage());
        }
    }

    /**
     * Removes a source that has no snapshots, with its standby and replication slot; see
     * {@link dev.kopi.daemon.source.fill.Standby} for {@code leaveSlot} (an unreachable primary).
     */
    public void remove(String name, boolean leaveSlot) {
        Source s = find(name);
        if (s.origin() == Source.Origin.CONFIG) {
            throw KopiException.precondition("source '" + name + "' is defined in kopid's config file; remove it there");
        }
        // Hold the source's refresh slot while removing it, so no refresh can start meanwhile.
        if (refreshing.putIfAbsent(name, clock.instant()) != null) {
            throw KopiException.precondition("source '" + name + "' is being refreshed; wait for it to finish");
        }
        try {
            int snaps = SnapshotLookup.ofSource(catalog, name).size();
            if (snaps > 0) {
                throw KopiException.precondition("source '" + name + "' still has " + snaps
                        + " snapshot(s); delete them first ('kopictl snapshots " + name + "')");
            }
            // The standby first: should that fail, the source is still there to remove again.
            refresher.standbys().remove(s, leaveSlot);
            catalog.removeSource(name);
        } finally {
            refreshing.remove(name);
        }
    }

    /** What a refresh produced: the snapshot, and whether it already existed (an unchanged seed). */
    public record Outcome(SnapshotRecord snapshot, boolean unchanged) {
    }

    /** Builds and publishes a new snapshot of {@code name}, reporting progress as it goes. */
    public SnapshotRecord refresh(String name, Progress progress) {
        return refresh(name, progress, Trigger.API).snapshot();
    }

    /** Like {@link #refresh(String, Progress)}, recording who asked. Blocks until done. */
    public Outcome refresh(String name, Progress progress, Trigger trigger) {
        Instant started = claim(name);
        return run(name, started, progress, trigger);
    }

    /**
     * Starts a refresh in the background and returns once it holds the source's refresh slot:
     * an unknown source or a refresh already running fails here, everything later is recorded
     * as the source's last refresh and published as an event.
     */
    public void refreshAsync(String name, Trigger trigger) {
        Instant started = claim(name);
        try {
            background.execute(() -> {
                try {
                    run(name, started, Progress.NONE, trigger);
                } catch (RuntimeException e) {
                    // run logged it, recorded it and published it: nobody waits for this one
                }
            });
        } catch (RuntimeException e) {
            refreshing.remove(name); // kopid is shutting down
            throw KopiException.unavailable("kopid is shutting down; refresh of " + name + " not started");
        }
    }

    private Instant claim(String name) {
        find(name);
        Instant started = clock.instant();
        Instant other = refreshing.putIfAbsent(name, started);
        if (other != null) {
            throw KopiException.precondition("a refresh of '" + name + "' is already running (since " + other
                    + "); wait for it ('kopictl sources' shows it) and try again");
        }
        return started;
    }

    private Outcome run(String name, Instant started, Progress progress, Trigger trigger) {
        long t0 = System.nanoTime();
        try {
            Source source = find(name); // again, now that nobody can remove it under us
            if (source.kind() == Source.Kind.DATADIR) {
                requireOutsideOwnVolumes(source); // where its path leads may have changed since it was added
            }
            Optional<SnapshotRecord> current = refresher.upToDate(source);
            if (current.isPresent()) {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                catalog.putRefresh(RefreshRecord.succeeded(name, started, ms, current.get().ref(), true, trigger));
                refreshed(name, current.get(), trigger, t0, "unchanged: " + current.get().name()
                        + " was built from the same scripts");
                return new Outcome(current.get(), true);
            }
            SnapshotRecord snap = refresher.refresh(source, progress);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            catalog.putRefresh(RefreshRecord.succeeded(name, started, ms, snap.ref(), false, trigger));
            events.publish(EventKind.SNAPSHOT_CREATED, snap.name(), REFRESH, "of source " + name);
            refreshed(name, snap, trigger, t0, snap.name() + " in " + ms + " ms");
            return new Outcome(snap, false);
        } catch (RuntimeException e) {
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            try {
                catalog.putRefresh(RefreshRecord.failed(name, started, took.toMillis(), String.valueOf(e.getMessage()),
                        trigger));
            } catch (RuntimeException ignored) {
                // the refresh error is what the caller needs to see
            }
            LogFields.of("source", name, "trigger", trigger.word(), "result", "failed", "duration_ms", took.toMillis())
                    .warning(LOG, "refresh of " + name + " (" + trigger.word() + ") failed: " + e.getMessage());
            events.publish(EventKind.REFRESH_FAILED, name, trigger, String.valueOf(e.getMessage()), took);
            throw e;
        } finally {
            refreshing.remove(name);
        }
    }

    /** Logs and publishes a refresh of {@code name} that ended with {@code snap} (new, or unchanged). */
    private void refreshed(String name, SnapshotRecord snap, Trigger trigger, long t0, String message) {
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        LogFields.of("source", name, "snapshot", snap.name(), "trigger", trigger.word(), "result", "ok",
                "duration_ms", took.toMillis()).info(LOG, "refresh of " + name + " (" + trigger.word() + "): " + message);
        events.publish(EventKind.REFRESH_OK, name, trigger, message, took);
    }

    /**
     * The snapshot of replica source {@code name} as it was at {@code target}: made (recovered
     * from the source's kept history, transformed, scrubbed) unless one exists already. A
     * target in the future is INVALID_ARGUMENT; a source without WAL, or a target older than
     * what it keeps, FAILED_PRECONDITION saying what can be done.
     */
    public SnapshotRecord pointInTime(String name, PointInTime target, Progress progress) {
        find(name);
        if (target.time() != null && target.time().isAfter(clock.instant())) {
            throw KopiException.invalid(target + " is in the future (it is " + clock.instant() + " now); a "
                    + "point-in-time clone starts at a past moment");
        }
        Optional<SnapshotRecord> made = catalog.snapshot(SnapshotRef.of(name, target.tag()));
        if (made.isPresent()) {
            return made.get();
        }
        claim(name);
        long t0 = System.nanoTime();
        try {
            SnapshotRecord snap = refresher.pointInTime(find(name), target, progress);
            events.publish(EventKind.SNAPSHOT_CREATED, snap.name(), POINT_IN_TIME, "of source " + name + " at "
                    + target, Duration.ofNanos(System.nanoTime() - t0));
            return snap;
        } finally {
            refreshing.remove(name);
        }
    }

    /** Whether a refresh of {@code name} is running now. */
    public boolean isRefreshing(String name) {
        return refreshing.containsKey(name);
    }

    /** Stops starting background refreshes; running ones are abandoned with the process. */
    @Override
    public void close() {
        background.shutdownNow();
    }
}
