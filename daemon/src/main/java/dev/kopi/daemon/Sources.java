package dev.kopi.daemon;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.RefreshRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.catalog.SourceRecord;
import dev.kopi.daemon.config.SourceConfig;
import dev.kopi.daemon.postgres.DataDirectory;
import dev.kopi.daemon.source.Progress;
import dev.kopi.daemon.source.Refresher;
import dev.kopi.daemon.source.Source;

/**
 * Sources from the config file and from the API, and their refreshes: at most one refresh per
 * source at a time; a second request is refused with FAILED_PRECONDITION.
 */
public final class Sources {
    private final Map<String, SourceConfig> configured;
    private final Catalog catalog;
    private final Refresher refresher;
    private final Clock clock;
    private final ConcurrentHashMap<String, Instant> refreshing = new ConcurrentHashMap<>();
    /** Directories holding Kopi's own volumes: never a source (that would clone someone's clone). */
    private final List<Path> managed;

    private final Events events;

    public Sources(Map<String, SourceConfig> configured, Catalog catalog, Refresher refresher, Clock clock,
                   List<Path> managed) {
        this(configured, catalog, refresher, clock, managed, new Events(clock));
    }

    public Sources(Map<String, SourceConfig> configured, Catalog catalog, Refresher refresher, Clock clock,
                   List<Path> managed, Events events) {
        this.events = events;
        this.configured = configured;
        this.catalog = catalog;
        this.refresher = refresher;
        this.clock = clock;
        this.managed = List.copyOf(managed);
    }

    /** A source with what callers want to know about it. */
    public record SourceView(Source source, int snapshotCount, Optional<SnapshotRecord> latest,
                             Optional<RefreshRecord> lastRefresh, boolean refreshing) {
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

    private SourceView view(Source s) {
        List<SnapshotRecord> snaps = SnapshotLookup.ofSource(catalog, s.name());
        return new SourceView(s, snaps.size(), snaps.stream().findFirst(), catalog.refresh(s.name()),
                refreshing.containsKey(s.name()));
    }

    private List<Source> all() {
        List<Source> out = new ArrayList<>();
        configured.values().stream().sorted(java.util.Comparator.comparing(SourceConfig::name))
                .forEach(c -> out.add(new Source(c.name(), Source.DATADIR, c.datadir(), c.superuser(), "config")));
        for (SourceRecord r : catalog.sources()) {
            if (!configured.containsKey(r.name())) {
                out.add(new Source(r.name(), r.kind(), Path.of(r.datadir()), r.superuser(), "api"));
            }
        }
        return out;
    }

    private Source find(String name) {
        Names.require("source", name);
        return all().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> KopiException.notFound("source '" + name + "' does not exist ('kopictl sources' "
                        + "lists them; 'kopictl source add' adds one)"));
    }

    public Source add(String name, String datadir) {
        Names.require("source", name);
        if (datadir == null || datadir.isEmpty()) {
            throw KopiException.invalid("source " + name + ": give a data directory (--datadir PATH)");
        }
        Path dir;
        try {
            dir = Path.of(datadir);
        } catch (java.nio.file.InvalidPathException e) {
            throw KopiException.invalid("source " + name + ": '" + Names.printable(datadir) + "' cannot be used as a path by"
                    + " this kopid (" + e.getReason() + "; start kopid with a UTF-8 locale, e.g. LANG=C.UTF-8)");
        }
        if (!dir.isAbsolute() || !dir.normalize().equals(dir) || Names.hasControlCharacters(datadir)) {
            throw KopiException.invalid("source " + name + ": data directory must be an absolute, normalized path, got '"
                    + Names.printable(datadir) + "'");
        }
        for (Path m : managed) {
            if (dir.startsWith(m)) {
                throw KopiException.invalid("source " + name + ": " + dir + " is inside Kopi's own volumes (" + m
                        + "); make a snapshot of a clone with a source of its own data directory instead");
            }
        }
        DataDirectory dd = new DataDirectory(dir);
        if (!dd.exists()) {
            throw KopiException.precondition("source " + name + ": " + dir + " does not exist or is not a directory");
        }
        dd.version(); // is it a data directory at all?
        synchronized (this) {
            if (configured.containsKey(name) || catalog.source(name).isPresent()) {
                throw KopiException.exists("source '" + name + "' already exists");
            }
            if (!SnapshotLookup.ofSource(catalog, name).isEmpty()) {
                throw KopiException.exists("'" + name + "' names snapshots taken of clones; pick another source name");
            }
            catalog.putSource(new SourceRecord(name, Source.DATADIR, dir.toString(), null, clock.instant().toString()));
        }
        return find(name);
    }

    public void remove(String name) {
        Source s = find(name);
        if (s.origin().equals("config")) {
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
            catalog.removeSource(name);
        } finally {
            refreshing.remove(name);
        }
    }

    /** Builds and publishes a new snapshot of {@code name}, reporting progress as it goes. */
    public SnapshotRecord refresh(String name, Progress progress) {
        find(name);
        Instant started = clock.instant();
        Instant other = refreshing.putIfAbsent(name, started);
        if (other != null) {
            throw KopiException.precondition("a refresh of '" + name + "' is already running (since " + other + ")");
        }
        long t0 = System.nanoTime();
        try {
            Source source = find(name); // again, now that nobody can remove it under us
            SnapshotRecord snap = refresher.refresh(source, progress);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            catalog.putRefresh(new RefreshRecord(name, started.toString(), ms, true, "", snap.name()));
            events.publish(Events.SNAPSHOT_CREATED, snap.name(), "refresh", "of source " + name);
            events.publish(Events.REFRESH_OK, name, "", snap.name() + " in " + ms + " ms");
            return snap;
        } catch (RuntimeException e) {
            try {
                catalog.putRefresh(new RefreshRecord(name, started.toString(), (System.nanoTime() - t0) / 1_000_000,
                        false, String.valueOf(e.getMessage()), ""));
            } catch (RuntimeException ignored) {
                // the refresh error is what the caller needs to see
            }
            events.publish(Events.REFRESH_FAILED, name, "", String.valueOf(e.getMessage()));
            throw e;
        } finally {
            refreshing.remove(name);
        }
    }
}
