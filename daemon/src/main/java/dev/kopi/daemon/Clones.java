package dev.kopi.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.config.ClonePolicy;
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
import dev.kopi.daemon.storage.SpaceUsage;
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
    private final ClonePolicy policy;
    private final Events events;
    private final Clock clock;
    /** When each clone last had a client session (or was made, reset or adopted). In memory only: a restart restarts the idle clock, which errs towards keeping clones. */
    private final Map<String, Instant> lastActive = new ConcurrentHashMap<>();

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
        this(catalog, backend, postmaster, ports, pg, runtime, minFree, ClonePolicy.DEFAULTS, new Events(clock), clock);
    }

    public Clones(Catalog catalog, StorageBackend backend, Postmaster postmaster, PortAllocator ports,
                  PostgresConfig pg, RuntimeDirs runtime, long minFree, ClonePolicy policy, Events events,
                  Clock clock) {
        this.catalog = catalog;
        this.backend = backend;
        this.postmaster = postmaster;
        this.ports = ports;
        this.pg = pg;
        this.runtime = runtime;
        this.minFree = minFree;
        this.policy = policy;
        this.events = events;
        this.clock = clock;
    }

    /**
     * What a caller may ask of a new clone's lifetime: durations as typed ({@code 2h}; {@code 0}
     * for never; empty for the configured default) and protection.
     */
    public record Options(String ttl, String idleTimeout, boolean protect) {
        public static final Options DEFAULTS = new Options("", "", false);
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
        return create(snapshotText, requestedName, requestedDatabase, Options.DEFAULTS);
    }

    public CloneView create(String snapshotText, String requestedName, String requestedDatabase, Options options) {
        return create(snapshotText, requestedName, requestedDatabase, options, false);
    }

    /**
     * Starts a warm clone of {@code snapshot}: a running instance held back for the next
     * request for that snapshot (see {@link WarmPool}). Hidden from callers until handed out.
     */
    public CloneView createWarm(String snapshot) {
        return create(snapshot, "warm-" + random(10), "", new Options("0", "0", false), true);
    }

    private CloneView create(String snapshotText, String requestedName, String requestedDatabase, Options options,
                             boolean warm) {
        long t0 = System.nanoTime();
        Duration ttl = options.ttl() == null || options.ttl().isEmpty() ? policy.ttl()
                : Durations.parseArgument("ttl", options.ttl());
        Duration idle = options.idleTimeout() == null || options.idleTimeout().isEmpty() ? policy.idleTimeout()
                : Durations.parseArgument("idle timeout", options.idleTimeout());
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
        if (!warm) {
            Optional<CloneView> handedOut = takeWarm(snap, requestedName, requestedDatabase, ttl, idle,
                    options.protect(), t0);
            if (handedOut.isPresent()) {
                return handedOut.get();
            }
        }
        String name = reserve(requestedName, snap, true);
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
            Instant now = clock.instant();
            CloneRecord record = new CloneRecord(name, snap.name(), port, creds.user(), creds.password(), database,
                    now.toString(), snap.version(), snap.superuser())
                    .withExpiry(ttl.isZero() ? null : now.plus(ttl))
                    .withIdleTimeout(idle)
                    .withProtect(options.protect())
                    .withWarm(warm);
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
            lastActive.put(name, clock.instant());
            if (!warm) {
                // Published before create returns, so no later event about this clone can precede it.
                events.publish(Events.CLONE_CREATED, name, "", "from " + snap.name() + " on port " + record.port());
            }
            background.execute(() -> LOG.info(line)); // a synchronous log write costs the caller up to ms
            return new CloneView(record, CloneView.State.RUNNING, "", pid, dir, pg.host(), readyMs,
                    lastActive.get(name), idleTimeout(record), -1);
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

    /**
     * Hands a warm clone of {@code snap} to the caller if one is ready: only its record changes
     * (the caller's name and lifetime; its volume, port and never-disclosed credentials stay), one
     * catalog write. Empty when there is none, or the caller wants another database.
     */
    private Optional<CloneView> takeWarm(SnapshotRecord snap, String requestedName, String requestedDatabase,
                                         Duration ttl, Duration idle, boolean protect, long t0) {
        if (requestedDatabase != null && !requestedDatabase.isEmpty() && !requestedDatabase.equals(snap.database())) {
            return Optional.empty();
        }
        CloneRecord w;
        String name;
        synchronized (this) {
            w = catalog.clones().stream().filter(c -> c.warm() && c.snapshot().equals(snap.name())
                    && !busy.containsKey(c.name())).findFirst().orElse(null);
            if (w == null) {
                return Optional.empty();
            }
            name = reserve(requestedName, snap, false); // the instance exists already: no new one to limit
            busy.put(w.name(), new Pending(snap.name(), CloneView.State.CREATING));
        }
        try {
            Path dir = backend.path(VolumeId.clone(w.volumeName()));
            Optional<Long> pid = new DataDirectory(dir).runningPid();
            if (pid.isEmpty()) {
                background.execute(() -> destroyQuietly(w.name(), "warm-dead"));
                return Optional.empty();
            }
            Instant now = clock.instant();
            CloneRecord r = w.handedOut(name, now).withExpiry(ttl.isZero() ? null : now.plus(ttl))
                    .withIdleTimeout(idle).withProtect(protect);
            catalog.renameCloneSoon(w.name(), r);
            lastActive.put(name, now);
            events.publish(Events.CLONE_CREATED, name, "warm", "from " + snap.name() + " on port " + r.port());
            long readyMs = (System.nanoTime() - t0) / 1_000_000;
            warmTaken.forEach(l -> l.accept(snap.name()));
            return Optional.of(new CloneView(r, CloneView.State.RUNNING, "", pid.get(), dir, pg.host(), readyMs,
                    now, idleTimeout(r), -1));
        } finally {
            synchronized (this) {
                busy.remove(name);
                busy.remove(w.name());
            }
        }
    }

    /** Told the snapshot whenever a warm clone of it is handed out (the warm pool refills). */
    private final List<java.util.function.Consumer<String>> warmTaken = new java.util.concurrent.CopyOnWriteArrayList<>();

    public void onWarmTaken(java.util.function.Consumer<String> listener) {
        warmTaken.add(listener);
    }

    /** Destroys a clone, logging instead of throwing (warm upkeep). */
    void destroyQuietly(String name, String reason) {
        try {
            destroy(name, reason, r -> true);
        } catch (RuntimeException e) {
            LOG.warning("could not destroy " + name + " (" + reason + "): " + e.getMessage());
        }
    }

    private synchronized String reserve(String requested, SnapshotRecord snap, boolean limited) {
        if (deletingSnapshots.contains(snap.name())) {
            throw KopiException.precondition("snapshot " + snap.name() + " is being deleted");
        }
        if (catalog.snapshot(snap.name()).isEmpty()) {
            throw KopiException.notFound("snapshot " + snap.name() + " was just deleted");
        }
        if (limited && policy.max() > 0) {
            // A clone being created is recorded while its postgres starts: count it once.
            long creating = busy.entrySet().stream().filter(e -> e.getValue().state() == CloneView.State.CREATING
                    && catalog.clone(e.getKey()).isEmpty()).count();
            if (catalog.clones().size() + creating >= policy.max()) {
                throw KopiException.exhausted("clone limit reached: " + (catalog.clones().size() + creating)
                        + " clones exist and clones.max is " + policy.max() + "; destroy some ('kopictl clones')");
            }
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

    /** Stops the clone's instance and destroys its volume and record, at a user's request. */
    public void destroy(String name) {
        destroy(name, "user");
    }

    /** Destroys a clone; {@code reason} (user, ttl, idle, snapshot-deleted) goes into the event. */
    void destroy(String name, String reason) {
        destroy(name, reason, r -> true);
    }

    /**
     * Destroys a clone if {@code stillDue} holds for its current record, checked under the same
     * lock as protect and extend (the reaper's decision may be stale by the time it acts).
     * Returns whether it did.
     */
    boolean destroy(String name, String reason, java.util.function.Predicate<CloneRecord> stillDue) {
        Names.require("clone", name);
        CloneRecord record;
        synchronized (this) {
            record = catalog.clone(name).filter(r -> !r.warm() || reason.startsWith("warm"))
                    .orElseThrow(() -> KopiException.notFound("clone '" + name
                            + "' does not exist ('kopictl clones' lists them)"));
            if (!stillDue.test(record)) {
                return false;
            }
            if (busy.containsKey(name)) {
                throw KopiException.precondition("clone '" + name + "' is busy being created or destroyed");
            }
            busy.put(name, new Pending(record.snapshot(), CloneView.State.DESTROYING));
        }
        try {
            VolumeId volume = VolumeId.clone(record.volumeName());
            postmaster.stop(backend.path(volume));
            backend.destroy(volume);
            catalog.removeClone(name);
            runtime.removeSocketDir(runtime.socketDir(record.port()));
            runtime.deleteQuietly(runtime.hbaFile(Integer.toString(record.port())));
            ports.release(record.port());
            runtime.deleteQuietly(runtime.logFile(name));
            lastActive.remove(name);
            LOG.info("destroyed clone " + name + " (" + reason + ")");
            events.publish(Events.CLONE_DESTROYED, name, reason, "was on port " + record.port() + ", from "
                    + record.snapshot());
            return true;
        } finally {
            synchronized (this) {
                busy.remove(name);
            }
        }
    }

    public CloneView get(String name) {
        Names.require("clone", name);
        return view(existing(name));
    }

    public List<CloneView> list(String snapshotFilter) {
        List<CloneView> out = new ArrayList<>();
        Map<VolumeId, SpaceUsage> usage = backend.volumeUsage();
        for (CloneRecord r : catalog.clones()) {
            if (r.warm()) {
                continue; // held back for the next request; the warm pool reports them
            }
            if (snapshotFilter == null || snapshotFilter.isEmpty() || r.snapshot().equals(snapshotFilter)
                    || r.snapshot().startsWith(snapshotFilter + "@")) {
                out.add(view(r, usage));
            }
        }
        return out;
    }

    private CloneView view(CloneRecord r) {
        return view(r, backend.volumeUsage());
    }

    private CloneView view(CloneRecord r, Map<VolumeId, SpaceUsage> usage) {
        Path dir = backend.path(VolumeId.clone(r.volumeName()));
        Pending pending;
        synchronized (this) {
            pending = busy.get(r.name());
        }
        Optional<Long> pid = new DataDirectory(dir).runningPid();
        CloneView.State state = pending != null ? pending.state()
                : pid.isPresent() ? CloneView.State.RUNNING : CloneView.State.FAILED;
        String message = state == CloneView.State.FAILED ? "instance is not running; see " + runtime.logFile(r.name()) : "";
        SpaceUsage used = usage.get(VolumeId.clone(r.volumeName()));
        return new CloneView(r, state, message, pid.orElse(0L), dir, pg.host(), 0, lastActive(r),
                idleTimeout(r), used == null ? -1 : used.exclusive());
    }

    /** The idle timeout in force for a clone: its own, else the configured default. */
    Duration idleTimeout(CloneRecord r) {
        return r.idleTimeoutSeconds() == null ? policy.idleTimeout() : Duration.ofSeconds(r.idleTimeoutSeconds());
    }

    /** When the clone last had a session, as far as this daemon run knows (its start at the earliest). */
    Instant lastActive(CloneRecord r) {
        return lastActive.computeIfAbsent(r.name(), n -> clock.instant());
    }

    /** Notes that the clone has client sessions now. */
    void touch(String name, Instant at) {
        lastActive.put(name, at);
    }

    ClonePolicy policy() {
        return policy;
    }

    Events events() {
        return events;
    }

    synchronized boolean isBusy(String name) {
        return busy.containsKey(name);
    }

    // ------------------------------------------------------------------ lifetime

    /** Moves the expiry of a clone that has one further out by {@code byText}. */
    public CloneView extend(String name, String byText) {
        Names.require("clone", name);
        Duration by = Durations.parseArgument("extension", byText);
        if (by.isZero()) {
            throw KopiException.invalid("extension: give a positive duration such as 1h");
        }
        synchronized (this) {
            CloneRecord r = existing(name);
            if (r.expiry() == null) {
                throw KopiException.precondition("clone '" + name + "' has no TTL and never expires; nothing to extend");
            }
            Instant base = r.expiry().isBefore(clock.instant()) ? clock.instant() : r.expiry();
            CloneRecord next = r.withExpiry(base.plus(by));
            catalog.putClone(next);
            LOG.info("clone " + name + " now expires at " + next.expiresAt());
            return view(next);
        }
    }

    /** Exempts a clone from expiry and idle reaping, or ends that. */
    public CloneView protect(String name, boolean on) {
        Names.require("clone", name);
        synchronized (this) {
            CloneRecord next = existing(name).withProtect(on);
            catalog.putClone(next);
            LOG.info("clone " + name + (on ? " protected" : " no longer protected"));
            return view(next);
        }
    }

    private CloneRecord existing(String name) {
        return catalog.clone(name).filter(r -> !r.warm()).orElseThrow(() -> KopiException.notFound("clone '" + name
                + "' does not exist ('kopictl clones' lists them)"));
    }

    // ------------------------------------------------------------------ reset

    /**
     * Throws away a clone's changes: stops its instance, replaces its volume with a fresh clone of
     * a snapshot (its own, {@code to}, or with {@code latest} the newest of its source) and starts
     * it again with the same name, port and credentials.
     */
    public CloneView reset(String name, String to, boolean latest) {
        long t0 = System.nanoTime();
        Names.require("clone", name);
        CloneRecord record;
        SnapshotRecord target;
        synchronized (this) {
            record = existing(name);
            if (busy.containsKey(name)) {
                throw KopiException.precondition("clone '" + name + "' is busy being created, reset or destroyed");
            }
            SnapshotRef current = SnapshotRef.parse(record.snapshot());
            SnapshotRef ref = to != null && !to.isEmpty() ? SnapshotRef.parse(to)
                    : latest ? SnapshotRef.parse(current.source()) : current;
            target = SnapshotLookup.resolve(catalog, ref);
            if (deletingSnapshots.contains(target.name())) {
                throw KopiException.precondition("snapshot " + target.name() + " is being deleted");
            }
            busy.put(name, new Pending(target.name(), CloneView.State.RESETTING));
        }
        VolumeId volume = VolumeId.clone(record.volumeName());
        try {
            requireSpace();
            postmaster.stop(backend.path(volume));
            backend.destroy(volume);
            Path dir;
            try {
                dir = backend.clone(VolumeId.snapshot(target.source(), target.tag()), volume);
            } catch (RuntimeException e) {
                // Keep the clone usable: fall back to a fresh copy of the snapshot it had.
                restoreAfterFailedReset(record);
                throw e;
            }
            Instant now = clock.instant();
            CloneRecord next = record.reset(target.name(), target.version(), target.superuser(), now);
            catalog.putClone(next);
            Started started = start(next, dir, true);
            lastActive.put(name, now);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            LOG.info("reset clone " + name + " to " + target.name() + " in " + ms + " ms");
            events.publish(Events.CLONE_RESET, name, "", "to " + target.name() + " in " + ms + " ms");
            return new CloneView(next, CloneView.State.RUNNING, "", started.pid(), dir, pg.host(), ms,
                    now, idleTimeout(next), -1);
        } finally {
            synchronized (this) {
                busy.remove(name);
            }
        }
    }

    private void restoreAfterFailedReset(CloneRecord record) {
        try {
            SnapshotRecord own = SnapshotLookup.resolve(catalog, SnapshotRef.parse(record.snapshot()));
            Path dir = backend.clone(VolumeId.snapshot(own.source(), own.tag()), VolumeId.clone(record.volumeName()));
            start(record, dir, true);
        } catch (RuntimeException e) {
            LOG.warning("clone " + record.name() + " could not be restored after a failed reset (it shows as FAILED; "
                    + "destroy it): " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ activity

    /** Whether the clone's postmaster runs. */
    boolean running(CloneRecord r) {
        return new DataDirectory(backend.path(VolumeId.clone(r.volumeName()))).runningPid().isPresent();
    }

    /** Asks the clone's instance for a checkpoint, so a snapshot of it has little WAL to replay. */
    void checkpoint(CloneRecord r) {
        if (!running(r)) {
            return; // a stopped clone was shut down (cleanly or not): recovery handles either
        }
        try (Connection c = AdminConnection.open(runtime.socketDir(r.port()), r.port(), r.superuser(), r.database(), 10);
             Statement st = c.createStatement()) {
            st.execute("CHECKPOINT");
        } catch (SQLException e) {
            LOG.info("checkpoint of clone " + r.name() + " skipped: " + e.getMessage());
        }
    }

    /**
     * Client sessions on the clone's instance now (kopid's own connection not counted); empty
     * when that cannot be learned in time, which callers must treat as "maybe in use".
     */
    OptionalInt sessions(CloneRecord r) {
        try (Connection c = AdminConnection.open(runtime.socketDir(r.port()), r.port(), r.superuser(), r.database(), 5);
             Statement st = c.createStatement()) {
            st.setQueryTimeout(5);
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                    + "'client backend' AND pid <> pg_backend_pid() "
                    // kopid's own connections come over the private Unix socket; a TCP client that
                    // calls itself kopid still counts.
                    + "AND NOT (application_name = 'kopid' AND client_addr IS NULL)")) {
                rs.next();
                return OptionalInt.of(rs.getInt(1));
            }
        } catch (SQLException e) {
            return OptionalInt.empty();
        }
    }

    /**
     * Destroys an idle clone unless a session arrives at the last moment: its pg_hba.conf is
     * first closed to TCP clients and reloaded, sessions are counted once more, and only then is
     * it destroyed; if one turned up, the file is restored and the clone lives on.
     */
    boolean reapIdle(CloneRecord r) {
        synchronized (this) {
            if (busy.containsKey(r.name()) || catalog.clone(r.name()).map(CloneRecord::protect).orElse(true)) {
                return false;
            }
            busy.put(r.name(), new Pending(r.snapshot(), CloneView.State.DESTROYING));
        }
        Path hbaFile = runtime.hbaFile(Integer.toString(r.port()));
        boolean destroy = false;
        try {
            runtime.writeHba(hbaFile, Hba.closed(r.name()));
            reload(r);
            OptionalInt now = sessions(r);
            destroy = now.isPresent() && now.getAsInt() == 0
                    || now.isEmpty() && new DataDirectory(backend.path(VolumeId.clone(r.volumeName()))).runningPid().isEmpty();
            if (!destroy) {
                runtime.writeHba(hbaFile, Hba.forClone(r.name(), pg.listen()));
                reload(r);
                touch(r.name(), clock.instant());
            }
        } finally {
            synchronized (this) {
                busy.remove(r.name());
            }
        }
        if (destroy) {
            destroy(r.name(), "idle");
        }
        return destroy;
    }

    private void reload(CloneRecord r) {
        try (Connection c = AdminConnection.open(runtime.socketDir(r.port()), r.port(), r.superuser(), r.database(), 5);
             Statement st = c.createStatement()) {
            st.setQueryTimeout(5);
            st.execute("SELECT pg_reload_conf()");
            // The postmaster rereads the file when it handles SIGHUP, a moment after this returns.
            Thread.sleep(150);
        } catch (SQLException e) {
            LOG.fine("reload of " + r.name() + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Marks a snapshot as being deleted and returns the clones that depend on it (recorded or
     * being created); no new clone of it can start until {@link #endSnapshotDeletion}.
     */
    synchronized List<String> beginSnapshotDeletion(String snapshot) {
        for (Map.Entry<String, Pending> e : busy.entrySet()) {
            // Not even --force can take a snapshot from under a clone that is still being made.
            if (e.getValue().snapshot().equals(snapshot) && (e.getValue().state() == CloneView.State.CREATING
                    || e.getValue().state() == CloneView.State.RESETTING)) {
                throw KopiException.precondition("clone '" + e.getKey() + "' is being created or reset from snapshot " + snapshot
                        + "; try again in a moment");
            }
        }
        List<String> dependents = new ArrayList<>(catalog.cloneNamesOf(snapshot));
        deletingSnapshots.add(snapshot);
        return dependents;
    }

    /** Destroys the warm clones of {@code snapshot} (it is being deleted, or replaced by a newer one). */
    public void destroyWarmOf(String snapshot) {
        for (CloneRecord r : catalog.clones()) {
            if (r.warm() && r.snapshot().equals(snapshot)) {
                destroyQuietly(r.name(), "warm-replaced");
            }
        }
    }

    /** Memory (PSS) of the warm clones' instances, in bytes. */
    public long warmMemory() {
        long sum = 0;
        for (CloneRecord w : warm()) {
            Optional<Long> pid = new DataDirectory(backend.path(VolumeId.clone(w.volumeName()))).runningPid();
            sum += pid.map(dev.kopi.daemon.postgres.InstanceMemory::pss).orElse(0L);
        }
        return sum;
    }

    /** The warm clones, held back for the next requests. */
    public List<CloneRecord> warm() {
        return catalog.clones().stream().filter(CloneRecord::warm).toList();
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
