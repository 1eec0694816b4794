package dev.kopi.daemon.schema;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotLookup;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.clone.Clones;
import dev.kopi.daemon.core.DaemonThreads;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Names;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.logging.LogFields;
import dev.kopi.daemon.postgres.Identities;
import dev.kopi.daemon.postgres.Instances;
import dev.kopi.daemon.storage.StorageBackend;

/**
 * Schema diffs of clones: what a clone changed in the schema of one database, against a
 * snapshot (its own by default). The clone's schema is read from its running instance, the
 * snapshot's from {@link SnapshotSchemas} (cached); both by {@link SchemaReader}, bounded for a
 * hostile holder. The reply is bounded too: definitions beyond {@link #MAX_REPLY_CHARS} and text
 * beyond {@link #MAX_TEXT_CHARS} are left out (and said so), every changed object still listed.
 */
public final class SchemaDiffs {
    private static final Logger LOG = Logger.getLogger(SchemaDiffs.class.getName());
    /** What one catalog query may bring into kopid (pgjdbc's maxResultBuffer): definitions are cut at 256 KiB. */
    static final long MAX_RESULT_BYTES = 64L << 20;
    /** Characters of definitions in one reply's change lists (gRPC replies are 4 MiB at most). */
    static final int MAX_REPLY_CHARS = 600_000;
    /** Characters of unified text in one reply. */
    static final int MAX_TEXT_CHARS = 600_000;
    /** Changes listed in one reply: past this many, names too would outgrow a gRPC reply. */
    static final int MAX_LISTED = 20_000;
    /**
     * Reads at once: each holds up to two schemas (a few times {@link SchemaReader.Limits#maxChars}
     * of heap at worst), so a burst of diffs of hostile clones cannot exhaust kopid's memory.
     */
    private final Semaphore reads = new Semaphore(2, true);

    private final Catalog catalog;
    private final Clones clones;
    private final SchemaReader reader;
    private final SchemaCache cache;
    private final SnapshotSchemas snapshots;

    /**
     * @param guests   where the throwaway identity of each snapshot's private instance comes from
     * @param cacheDir where snapshots' schemas are kept (below the state directory)
     */
    public SchemaDiffs(Catalog catalog, Clones clones, StorageBackend backend, Instances instances, Identities guests,
                       Path cacheDir) {
        this(catalog, clones, backend, instances, guests, cacheDir, SchemaReader.Limits.DEFAULT);
    }

    SchemaDiffs(Catalog catalog, Clones clones, StorageBackend backend, Instances instances, Identities guests,
                Path cacheDir, SchemaReader.Limits limits) {
        this.catalog = catalog;
        this.clones = clones;
        ScheduledExecutorService watchdog = DaemonThreads.timer("kopid-schema-watchdog");
        this.reader = new SchemaReader(limits, watchdog);
        this.cache = new SchemaCache(cacheDir);
        this.snapshots = new SnapshotSchemas(backend, instances, guests, cache, reader, MAX_RESULT_BYTES);
        cache.prune(snapshotNames());
    }

    /**
     * What a diff found.
     *
     * @param cloneName the clone
     * @param against   the exact snapshot compared with
     * @param changes   every change, with definitions left out (empty) past the reply's bound
     * @param text      the unified diff; "" when equal
     * @param truncated whether definitions or text were left out
     * @param cached    whether the snapshot's schema came from the cache
     */
    public record Result(String cloneName, String against, String database, SchemaChanges changes, String text,
                         boolean truncated, boolean cached, int objectsBefore, int objectsAfter, long tookMs) {
        /** Whether the clone's schema is the snapshot's. */
        public boolean equal() {
            return changes.isEmpty();
        }
    }

    /**
     * Diffs clone {@code name} against {@code against} (empty: its own snapshot), in
     * {@code database} (null: the clone's).
     */
    public Result diff(String name, Optional<SnapshotRef> against, String database) {
        long t0 = System.nanoTime();
        try {
            if (!reads.tryAcquire(2, TimeUnit.MINUTES)) {
                throw KopiException.exhausted("kopid is busy with other schema diffs; try again in a minute");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KopiException.unavailable("kopid is stopping");
        }
        try {
            return diff(name, against, database, t0);
        } finally {
            reads.release();
        }
    }

    private Result diff(String name, Optional<SnapshotRef> against, String database, long t0) {
        CloneRecord clone = clones.record(name);
        String db = database == null ? clone.database() : requireDatabase(database);
        SnapshotRecord snap = SnapshotLookup.resolve(catalog, against.orElse(clone.snapshot()));
        Schema after;
        try {
            after = clones.query(clone, db, 30, MAX_RESULT_BYTES, c -> reader.read(c, clone.user(), "clone " + name));
        } catch (SQLException e) {
            throw readFailure(e, db, "clone " + name);
        }
        SnapshotSchemas.Read before = snapshots.schema(snap, db);
        cache.prune(snapshotNames());
        SchemaChanges changes = SchemaChanges.between(before.schema(), after);
        UnifiedText.Rendered text = UnifiedText.render(changes, MAX_TEXT_CHARS);
        SchemaChanges bounded = withinChars(changes, MAX_REPLY_CHARS, MAX_LISTED);
        boolean truncated = text.truncated() || !bounded.equals(changes);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LogFields.of("clone", name, "snapshot", snap.name(), "duration_ms", ms).info(LOG, "schema diff of " + name
                + " against " + snap.name() + " (" + db + "): " + changes.added().size() + " added, "
                + changes.removed().size() + " removed, " + changes.changed().size() + " changed in " + ms + " ms"
                + (before.cached() ? " (snapshot's schema cached)" : " (snapshot's schema read now)"));
        return new Result(name, snap.name(), db, bounded, text.text(), truncated, before.cached(),
                before.schema().size(), after.size(), ms);
    }

    /** A failed read, typed: an unknown database is NOT_FOUND, anything else a state kopid cannot read past. */
    static KopiException readFailure(SQLException e, String database, String what) {
        if ("3D000".equals(e.getSQLState())) {
            return KopiException.notFound("database '" + Names.printable(database) + "' does not exist in " + what
                    + " (give another with --database)");
        }
        String hint = switch (String.valueOf(e.getSQLState())) {
            case "55P03" -> "; a session in it holds a lock on what is being read: end it and diff again";
            case "57014" -> "; a catalog query took too long: is the instance overloaded?";
            default -> "";
        };
        return KopiException.precondition("cannot read the schema of " + what + ": " + Names.printable(
                String.valueOf(e.getMessage())) + hint);
    }

    private static String requireDatabase(String database) {
        if (database.isEmpty() || database.length() > 63 || Names.hasControlCharacters(database)) {
            throw KopiException.invalid("database name '" + Names.printable(database) + "' is not valid: give 1-63 "
                    + "printable characters, or leave it out for the clone's own");
        }
        return database;
    }

    private Set<String> snapshotNames() {
        return catalog.snapshots().stream().map(SnapshotRecord::name).collect(Collectors.toSet());
    }

    /**
     * The same changes with definitions past {@code max} characters in all left out (empty), and
     * at most {@code maxListed} changes in all.
     */
    static SchemaChanges withinChars(SchemaChanges changes, int max, int maxListed) {
        int[] budget = {max, maxListed};
        return new SchemaChanges(within(changes.added(), budget), within(changes.removed(), budget),
                within(changes.changed(), budget));
    }

    private static List<SchemaChanges.Change> within(List<SchemaChanges.Change> list, int[] budget) {
        List<SchemaChanges.Change> out = new ArrayList<>(Math.min(list.size(), budget[1]));
        for (SchemaChanges.Change c : list) {
            if (budget[1] <= 0) {
                break;
            }
            budget[1]--;
            int size = length(c.before()) + length(c.after());
            if (size <= budget[0]) {
                budget[0] -= size;
                out.add(c);
            } else {
                budget[0] = 0; // later ones too: what is shown is a prefix, not a selection
                out.add(new SchemaChanges.Change(c.kind(), c.name(), c.before() == null ? null : "",
                        c.after() == null ? null : ""));
            }
        }
        return out;
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }
}
