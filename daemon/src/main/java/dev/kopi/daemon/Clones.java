package dev.kopi.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.config.PostgresConfig;
import dev.kopi.daemon.postgres.AdminConnection;
import dev.kopi.daemon.postgres.Credentials;
import dev.kopi.daemon.postgres.DataDirectory;
import dev.kopi.daemon.postgres.Hba;
import dev.kopi.daemon.postgres.InstanceSpec;
import dev.kopi.daemon.postgres.PortAllocator;
import dev.kopi.daemon.postgres.RuntimeDirs;
import dev.kopi.daemon.postgres.Postmaster;
import dev.kopi.daemon.storage.PoolUsage;
import dev.kopi.daemon.storage.StorageBackend;
import dev.kopi.daemon.storage.VolumeId;

/**
 * Creates, lists and destroys clones. Create is: resolve snapshot, reserve name and port, clone
 * the volume (one native call), start Postgres as the unprivileged user, create the clone's own
 * role, record it. A failure at any step undoes the earlier ones, so a failed create leaves no
 * volume, process, port or record behind.
 */
public final class Clones {
    private static final Logger LOG = Logger.getLogger(Clones.class.getName());
    private static final String NAME_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";

    private final Catalog catalog;
    private final StorageBackend backend;
    private final Postmaster postmaster;
    private final PortAllocator ports;
    private final PostgresConfig pg;
    private final RuntimeDirs runtime;
    private final long minFree;
    private final Clock clock;

    /** A clone being created or destroyed. */
    private record Pending(String snapshot, CloneView.State state) {
    }

    /** Names being created or destroyed. Guarded by this. */
    private final Map<String, Pending> busy = new HashMap<>();
    /** Work done alongside a clone's postgres start (recording it, hashing its password). */
    private final ExecutorService background = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "kopid-clone-background");
        t.setDaemon(true);
        return t;
    });
    /** Snapshots being deleted: no new clones from them. Guarded by this. */
    private final Set<String> deletingSnapshots = new HashSet<>();

    public Clones(Catalog catalog, StorageBackend backend, Postmaster postmaster, PortAllocator ports,
                  PostgresConfig pg, RuntimeDirs runtime, long minFree, Clock clock) {
        this.catalog = catalog;
        this.backend = backend;
        this.postmaster = postmaster;
        this.ports = ports;
        this.pg = pg;
        this.runtime = runtime;
        this.minFree = minFree;
        this.clock = clock;
    }

    public static PortAllocator portAllocator(PostgresConfig pg) {
        try {
            String first = pg.listen().split(",")[0].strip();
            InetAddress probe = first.equals("*") || first.isEmpty() ? InetAddress.getByName("0.0.0.0")
                    : InetAddress.getByName(first);
            return new PortAllocator(pg.portFirst(), pg.portLast(), probe);
        } catch (IOException e) {
            throw KopiException.invalid("postgres.listen '" + pg.listen() + "' is not an address: " + e.getMessage());
        }
    }

    public CloneView create(String snapshotText, String requestedName, String requestedDatabase) {
        long t0 = System.nanoTime();
        SnapshotRef ref = SnapshotRef.parse(snapshotText);
        if (requestedName != null && !requestedName.isEmpty()) {
            Names.require("clone", requestedName);
        }
        if (requestedDatabase != null && !requestedDatabase.isEmpty()
                && !requestedDatabase.matches("[A-Za-z0-9_][A-Za-z0-9_$.-]{0,62}")) {
            throw KopiException.invalid("database name '" + Names.printable(requestedDatabase)
                    + "' is not valid: use 1-63 characters from A-Z, a-z, 0-9, '_', '$', '.', '-'");
        }
        SnapshotRecord snap = SnapshotLookup.resolve(catalog, ref);
        String name = reserve(requestedName, snap);
        int port = -1;
        VolumeId volume = VolumeId.clone(name);
        boolean volumeMade = false;
        CompletableFuture<Void> recorded = null;
        try {
            requireSpace();
            port = ports.reserve();
            long t1 = System.nanoTime();
            Path dir = backend.clone(VolumeId.snapshot(snap.source(), snap.tag()), volume);
            volumeMade = true;
            long t2 = System.nanoTime();
            Credentials creds = Credentials.generate();
            String database = requestedDatabase == null || requestedDatabase.isEmpty() ? snap.database() : requestedDatabase;
            CloneRecord record = new CloneRecord(name, snap.name(), port, creds.user(), creds.password(), database,
                    clock.instant().toString(), snap.version(), snap.superuser());
            // The record must be durable before the caller gets the clone, not before postgres
            // starts: write it while postgres starts. If kopid dies in between, reconcile finds
            // record and volume and starts the clone (role included), so nothing is half-made.
            recorded = CompletableFuture.runAsync(() -> catalog.putClone(record), background);
            Started started = start(record, dir, true);
            long pid = started.pid();
            long t3 = System.nanoTime();
            join(recorded);
            long t4 = System.nanoTime();
            long readyMs = (t4 - t0) / 1_000_000;
            String line = "clone " + name + " of " + snap.name() + " ready on port " + port + " in " + readyMs
                    + " ms (prepare " + ms(t1 - t0) + ", volume " + ms(t2 - t1) + ", postgres "
                    + ms(started.postgresNanos()) + ", role " + ms(started.roleNanos()) + ", record wait " + ms(t4 - t3) + ")";
            background.execute(() -> LOG.info(line)); // a synchronous log write costs the caller up to ms
            return new CloneView(record, CloneView.State.RUNNING, "", pid, dir, pg.host(), readyMs);
        } catch (RuntimeException e) {
            undo(name, volume, volumeMade, port, recorded);
            throw e;
        } finally {
            synchronized (this) {
                busy.remove(name);
            }
        }
    }

    private static void join(CompletableFuture<Void> f) {
        try {
            f.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private synchronized String reserve(String requested, SnapshotRecord snap) {
        if (deletingSnapshots.contains(snap.name())) {
            throw KopiException.precondition("snapshot " + snap.name() + " is being deleted");
        }
        if (catalog.snapshot(snap.name()).isEmpty()) {
            throw KopiException.notFound("snapshot " + snap.name() + " was just deleted");
        }
        String name = requested;
        if (name == null || name.isEmpty()) {
            String prefix = snap.source().length() > 56 ? snap.source().substring(0, 56) : snap.source();
            do {
                name = prefix + "-" + random(6);
            } while (busy.containsKey(name) || catalog.clone(name).isPresent());
        } else if (busy.containsKey(name) || catalog.clone(name).isPresent()) {
            throw KopiException.exists("clone '" + name + "' already exists; pick another --name or destroy it first");
        }
        busy.put(name, new Pending(snap.name(), CloneView.State.CREATING));
        return name;
    }

    private void requireSpace() {
        PoolUsage u = backend.usage();
        if (u.free() < minFree) {
            throw KopiException.exhausted("pool is full: " + mib(u.free()) + " free, below the floor of " + mib(minFree)
                    + " (pool.min_free); destroy clones or snapshots, or grow the pool");
        }
    }

    private void undo(String name, VolumeId volume, boolean volumeMade, int port, CompletableFuture<Void> recorded) {
        if (recorded != null) {
            try {
                recorded.join();
                catalog.removeClone(name);
            } catch (RuntimeException notRecorded) {
                // the record write failed (that may be why we are here): nothing to remove
            }
        }
        try {
            if (volumeMade) {
                postmaster.stop(backend.path(volume));
                backend.destroy(volume);
            }
        } catch (RuntimeException e) {
            LOG.warning("could not undo clone " + name + " (reconcile removes it on the next start): " + e.getMessage());
        }
        if (port > 0) {
            runtime.removeSocketDir(runtime.socketDir(port));
            runtime.deleteQuietly(runtime.hbaFile(Integer.toString(port)));
            ports.release(port);
        }
        runtime.deleteQuietly(runtime.logFile(name));
    }

    /**
     * Starts the instance of a clone volume and makes sure its login role exists with the
     * recorded password; used by create and by reconcile (a clone restarted after a crash gets
     * its role back even if the crash came before the role was created). Returns the pid.
     */
    record Started(long pid, long postgresNanos, long roleNanos) {
    }

    Started start(CloneRecord record, Path dir) {
        return start(record, dir, false);
    }

    private Started start(CloneRecord record, Path dir, boolean fresh) {
        Map<String, String> settings = new HashMap<>(pg.settings());
        Path sockets = runtime.createSocketDir(runtime.socketDir(record.port()), postmaster.user());
        Path hbaFile = runtime.hbaFile(Integer.toString(record.port()));
        runtime.writeHba(hbaFile, Hba.forClone(record.name(), pg.listen()));
        InstanceSpec spec = new InstanceSpec("kopi-" + record.name(), dir, record.version(), record.port(), pg.listen(),
                sockets, hbaFile, runtime.logFile(record.name()), settings);
        // PBKDF2 takes a few milliseconds: do it while postgres starts.
        CompletableFuture<String> verifier = CompletableFuture.supplyAsync(
                () -> new Credentials(record.user(), record.password()).scramVerifier(), background);
        long t0 = System.nanoTime();
        long pid = postmaster.start(spec);
        long t1 = System.nanoTime();
        try {
            ensureRole(record, verifier.join(), fresh);
        } catch (RuntimeException e) {
            postmaster.stop(dir);
            throw e;
        }
        return new Started(pid, t1 - t0, System.nanoTime() - t1);
    }

    /**
     * Creates the clone's role, or (after a restart) re-asserts it; plain statements, so a fresh
     * backend need not load PL/pgSQL. The commit is synchronous: the role must survive a crash.
     */
    private void ensureRole(CloneRecord record, String verifier, boolean fresh) {
        String role = "\"" + record.user() + "\"";
        String attrs = (pg.superuser() ? "LOGIN SUPERUSER" : "LOGIN CREATEDB CREATEROLE") + " PASSWORD '" + verifier + "'";
        String create = "CREATE ROLE " + role + " " + attrs;
        String alter = "ALTER ROLE " + role + " WITH " + attrs;
        try (Connection c = AdminConnection.open(runtime.socketDir(record.port()), record.port(), record.superuser(),
                record.database(), 30);
             Statement st = c.createStatement()) {
            try {
                st.execute(fresh ? create : alter);
            } catch (SQLException e) {
                // 42710: the role exists already (create); 42704: it does not exist yet (alter).
                if (!(fresh ? "42710" : "42704").equals(e.getSQLState())) {
                    throw e;
                }
                st.execute(fresh ? alter : create);
            }
            if (!pg.superuser() && Integer.parseInt(record.version().split("\\.")[0]) >= 14) {
                st.execute("GRANT pg_read_all_data, pg_write_all_data TO " + role);
            }
        } catch (SQLException e) {
            if ("3D000".equals(e.getSQLState())) {
                throw KopiException.notFound("database '" + record.database() + "' does not exist in snapshot "
                        + record.snapshot());
            }
            throw KopiException.internal("clone " + record.name() + " started but did not answer: " + e.getMessage(), e);
        }
    }

    /** Stops the clone's instance and destroys its volume and record. */
    public void destroy(String name) {
        Names.require("clone", name);
        CloneRecord record;
        synchronized (this) {
            record = catalog.clone(name).orElseThrow(() -> KopiException.notFound("clone '" + name
                    + "' does not exist ('kopictl clones' lists them)"));
            if (busy.containsKey(name)) {
                throw KopiException.precondition("clone '" + name + "' is busy being created or destroyed");
            }
            busy.put(name, new Pending(record.snapshot(), CloneView.State.DESTROYING));
        }
        try {
            VolumeId volume = VolumeId.clone(name);
            postmaster.stop(backend.path(volume));
            backend.destroy(volume);
            catalog.removeClone(name);
            runtime.removeSocketDir(runtime.socketDir(record.port()));
            runtime.deleteQuietly(runtime.hbaFile(Integer.toString(record.port())));
            ports.release(record.port());
            runtime.deleteQuietly(runtime.logFile(name));
            LOG.info("destroyed clone " + name);
        } finally {
            synchronized (this) {
                busy.remove(name);
            }
        }
    }

    public CloneView get(String name) {
        Names.require("clone", name);
        CloneRecord r = catalog.clone(name).orElseThrow(() -> KopiException.notFound("clone '" + name
                + "' does not exist ('kopictl clones' lists them)"));
        return view(r);
    }

    public List<CloneView> list(String snapshotFilter) {
        List<CloneView> out = new ArrayList<>();
        for (CloneRecord r : catalog.clones()) {
            if (snapshotFilter == null || snapshotFilter.isEmpty() || r.snapshot().equals(snapshotFilter)
                    || r.snapshot().startsWith(snapshotFilter + "@")) {
                out.add(view(r));
            }
        }
        return out;
    }

    private CloneView view(CloneRecord r) {
        Path dir = backend.path(VolumeId.clone(r.name()));
        Pending pending;
        synchronized (this) {
            pending = busy.get(r.name());
        }
        Optional<Long> pid = new DataDirectory(dir).runningPid();
        CloneView.State state = pending != null ? pending.state()
                : pid.isPresent() ? CloneView.State.RUNNING : CloneView.State.FAILED;
        String message = state == CloneView.State.FAILED ? "instance is not running; see " + runtime.logFile(r.name()) : "";
        return new CloneView(r, state, message, pid.orElse(0L), dir, pg.host(), 0);
    }

    /**
     * Marks a snapshot as being deleted and returns the clones that depend on it (recorded or
     * being created); no new clone of it can start until {@link #endSnapshotDeletion}.
     */
    synchronized List<String> beginSnapshotDeletion(String snapshot) {
        for (Map.Entry<String, Pending> e : busy.entrySet()) {
            // Not even --force can take a snapshot from under a clone that is still being made.
            if (e.getValue().snapshot().equals(snapshot) && e.getValue().state() == CloneView.State.CREATING) {
                throw KopiException.precondition("clone '" + e.getKey() + "' is being created from snapshot " + snapshot
                        + "; try again in a moment");
            }
        }
        List<String> dependents = new ArrayList<>(catalog.cloneNamesOf(snapshot));
        deletingSnapshots.add(snapshot);
        return dependents;
    }

    synchronized void endSnapshotDeletion(String snapshot) {
        deletingSnapshots.remove(snapshot);
    }

    /** Where the clones' instances keep runtime files (for reconcile). */
    RuntimeDirs runtime() {
        return runtime;
    }

    private static String random(int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(NAME_ALPHABET.charAt(ThreadLocalRandom.current().nextInt(NAME_ALPHABET.length())));
        }
        return b.toString();
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }
}
