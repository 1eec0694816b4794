package dev.kopi.daemon.testing;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntPredicate;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.Instance;
import dev.kopi.daemon.postgres.InstanceSpec;
import dev.kopi.daemon.postgres.Instances;
import dev.kopi.daemon.postgres.OsUser;

/**
 * Instances that are entries in a map: start makes one "run" (a pid, no process), stop ends it.
 * What was started, removed, checkpointed, closed and opened is recorded for tests to look at;
 * sessions, failures and deaths are set by the test. Talking SQL to an instance is not possible.
 */
public final class FakeInstances implements Instances {
    /** Memory each running fake instance reports. */
    public static final long MEMORY = 10L << 20;

    private final Map<Path, Long> running = new ConcurrentHashMap<>();
    private final AtomicLong nextPid = new AtomicLong(40_000);
    private final List<InstanceSpec> started = new ArrayList<>();
    private final List<InstanceSpec> removed = new ArrayList<>();
    private final List<String> checkpoints = new ArrayList<>();
    private final List<String> openings = new ArrayList<>();
    private final List<String> given = new ArrayList<>();
    private final List<Integer> ended = new ArrayList<>();
    private final List<Path> prepared = new ArrayList<>();
    private final List<Integer> strayUids = new ArrayList<>();
    private final Map<String, Integer> sessions = new ConcurrentHashMap<>();
    private final Set<String> unanswered = ConcurrentHashMap.newKeySet();
    /** Clones closed to their clients, as a pg_hba.conf left closed would say. */
    private final Set<String> closed = ConcurrentHashMap.newKeySet();
    private volatile RuntimeException nextStartFails;
    private volatile Consumer<InstanceSpec> onStart = spec -> { };
    private volatile Consumer<InstanceSpec> onSessions = spec -> { };
    private volatile Consumer<String> onSetOpen = event -> { };

    @Override
    public Instance start(InstanceSpec spec) {
        onStart.accept(spec);
        RuntimeException fail = nextStartFails;
        if (fail != null) {
            nextStartFails = null;
            throw fail;
        }
        long pid = nextPid.incrementAndGet();
        running.put(spec.dataDir(), pid);
        synchronized (this) {
            started.add(spec);
        }
        return new Instance(spec, pid, Path.of("/fake/run", spec.key()), 1_000_000, 1_000_000);
    }

    @Override
    public Optional<Instance> adopt(InstanceSpec spec) {
        Optional<Long> pid = pid(spec.dataDir());
        if (pid.isPresent() && closed.contains(spec.name())) {
            setOpen(spec, true);
        }
        return pid.map(p -> new Instance(spec, p, Path.of("/fake/run", spec.key()), 0, 0));
    }

    @Override
    public synchronized void give(Path dataDir, OsUser user) {
        given.add(dataDir + " -> " + user.uid());
    }

    @Override
    public synchronized void prepareForClones(Path dataDir) {
        prepared.add(dataDir);
    }

    /** The data directories readied for clones, in order. */
    public synchronized List<Path> prepared() {
        return List.copyOf(prepared);
    }

    @Override
    public Optional<Long> pid(Path dataDir) {
        return Optional.ofNullable(running.get(dataDir));
    }

    @Override
    public void stop(Path dataDir) {
        running.remove(dataDir);
    }

    @Override
    public void stop(InstanceSpec spec) {
        stop(spec.dataDir());
        if (spec.user() != null && spec.user().bare()) {
            synchronized (this) {
                ended.add(spec.user().uid());
            }
        }
    }

    /** Counted apart from stops: a destroy or reset discards, a stop keeps the data. */
    public final List<String> discarded = new CopyOnWriteArrayList<>();

    @Override
    public void discard(InstanceSpec spec) {
        discarded.add(spec.name());
        stop(spec);
    }

    @Override
    public synchronized int end(OsUser identity) {
        strayUids.remove((Integer) identity.uid());
        ended.add(identity.uid());
        return 0;
    }

    @Override
    public synchronized int endStrays(IntPredicate stray) {
        int n = 0;
        for (int uid : new ArrayList<>(strayUids)) {
            if (stray.test(uid)) {
                strayUids.remove((Integer) uid);
                ended.add(uid);
                n++;
            }
        }
        return n;
    }

    /** Uids whose processes were ended (a clone's stop, or as strays), in order. */
    public synchronized List<Integer> endedUids() {
        return List.copyOf(ended);
    }

    /** Pretends {@code uid} has a process running, left by a holder. */
    public synchronized void strayProcessOf(int uid) {
        strayUids.add(uid);
    }

    @Override
    public void remove(InstanceSpec spec) {
        stop(spec);
        synchronized (this) {
            removed.add(spec);
        }
    }

    @Override
    public Path logFile(InstanceSpec spec) {
        return Path.of("/fake/logs", spec.logName() + ".log");
    }

    @Override
    public OptionalInt sessions(InstanceSpec spec) {
        onSessions.accept(spec);
        if (!running.containsKey(spec.dataDir()) || unanswered.contains(spec.name())) {
            return OptionalInt.empty(); // as a real instance that cannot be reached
        }
        return OptionalInt.of(sessions.getOrDefault(spec.name(), 0));
    }

    @Override
    public synchronized void checkpoint(InstanceSpec spec) {
        checkpoints.add(spec.name());
    }

    @Override
    public synchronized void setOpen(InstanceSpec spec, boolean open) {
        String event = spec.name() + (open ? ":open" : ":closed");
        openings.add(event);
        onSetOpen.accept(event);
        if (open) {
            closed.remove(spec.name());
        } else {
            closed.add(spec.name());
        }
    }

    @Override
    public <T> T admin(InstanceSpec spec, String database, int timeoutSeconds, Work<T> work) throws SQLException {
        throw new SQLException("a fake instance speaks no SQL", "08001");
    }

    @Override
    public <T> T adminBounded(InstanceSpec spec, String database, int timeoutSeconds, long maxResultBytes,
                              Work<T> work) throws SQLException {
        return admin(spec, database, timeoutSeconds, work);
    }

    @Override
    public String superuser(InstanceSpec spec, Set<String> candidates) {
        throw KopiException.precondition("a fake instance has no roles");
    }

    @Override
    public long memory(long pid) {
        return running.containsValue(pid) ? MEMORY : 0;
    }

    @Override
    public void removeStale(Set<Integer> clonePorts) {
        // no runtime files to remove
    }

    // ------------------------------------------------------------------ what tests set

    /** The next start fails with {@code e} (after {@link #onStart} ran). */
    public void failNextStart(RuntimeException e) {
        nextStartFails = e;
    }

    /** Runs at the start of every start, before it can fail. */
    public void onStart(Consumer<InstanceSpec> hook) {
        onStart = hook;
    }

    /** Runs whenever sessions are counted, before the count (a test can block it: a frozen instance). */
    public void onSessions(Consumer<InstanceSpec> hook) {
        onSessions = hook;
    }

    /** Runs whenever a clone is closed or opened, with "NAME:closed" or "NAME:open". */
    public void onSetOpen(Consumer<String> hook) {
        onSetOpen = hook;
    }

    /** The clone {@code name} has {@code n} client sessions from now on. */
    public void setSessions(String name, int n) {
        sessions.put(name, n);
    }

    /** The clone {@code name}'s instance does not answer (sessions cannot be counted). */
    public void unanswered(String name) {
        unanswered.add(name);
    }

    /** The clone {@code name} was left closed to its clients (a kopid killed while reaping it). */
    public void leftClosed(String name) {
        closed.add(name);
    }

    /** Whether the clone {@code name} is closed to its clients. */
    public boolean isClosed(String name) {
        return closed.contains(name);
    }

    /** The instance on {@code dataDir} dies. */
    public void kill(Path dataDir) {
        running.remove(dataDir);
    }

    /** Makes an instance run on {@code dataDir} as if a previous kopid had started it. */
    public long adoptable(Path dataDir) {
        long pid = nextPid.incrementAndGet();
        running.put(dataDir, pid);
        return pid;
    }

    // ------------------------------------------------------------------ what tests look at

    public synchronized List<InstanceSpec> started() {
        return List.copyOf(started);
    }

    public synchronized List<InstanceSpec> removed() {
        return List.copyOf(removed);
    }

    public synchronized List<String> checkpoints() {
        return List.copyOf(checkpoints);
    }

    /** "DATADIR -> UID" for each data directory given to a clone's identity, in order. */
    public synchronized List<String> given() {
        return List.copyOf(given);
    }

    /** "NAME:closed" and "NAME:open", in order. */
    public synchronized List<String> openings() {
        return List.copyOf(openings);
    }

    /** The data directories with a running instance. */
    public Set<Path> runningDirs() {
        return new HashSet<>(running.keySet());
    }
}
