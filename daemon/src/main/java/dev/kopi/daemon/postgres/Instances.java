package dev.kopi.daemon.postgres;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * The one place that starts, stops, adopts and talks to Postgres instances, clones' and
 * staging ones alike. How an instance runs (OS identity, socket directory, pg_hba.conf, log,
 * settings, readiness) is decided here and nowhere else; callers say which instance
 * ({@link InstanceSpec}) and what they want of it. The real one is {@link LocalInstances};
 * unit tests use a fake.
 */
public interface Instances {
    /**
     * Starts the instance and returns once it accepts connections, with a clone's login role
     * ensured. On failure nothing is left running and its runtime files are gone; the error
     * quotes the server's log.
     */
    Instance start(InstanceSpec spec);

    /**
     * Takes on the instance after a kopid restart if its postmaster runs: a clone's is opened to
     * its clients again (a kopid killed while it was closed for idle reaping left it closed).
     * Empty if it does not run.
     */
    Optional<Instance> adopt(InstanceSpec spec);

    /**
     * Makes a data directory {@code user}'s alone before an instance runs on it as that user. One
     * readied by {@link #prepareForClones} (every snapshot since) needs only its root (0700) and
     * top-level files given: the root keeps every other identity out. Any other tree is given
     * whole: every directory, file and link below it (never what a link points to), every
     * directory mode 0700.
     */
    void give(Path dataDir, OsUser user);

    /**
     * Readies a stopped data directory to be sealed into a snapshot: everything below its root
     * open to whoever may pass the root, so that {@link #give} makes a clone of it its own
     * identity's by changing its root and top-level files only, whatever the size of the data.
     */
    void prepareForClones(Path dataDir);

    /** The pid of the postmaster running on {@code dataDir}, checked against the live process. */
    Optional<Long> pid(Path dataDir);

    /** Stops the postmaster on {@code dataDir} if one runs: fast, then immediate, then kill, each bounded. */
    void stop(Path dataDir);

    /**
     * Stops the instance like {@link #stop(Path)} and, when it runs as a clone's own identity,
     * ends every process of that identity: nothing its holder started outlives the instance, keeps
     * its volume busy, or is still there when the uid goes to another clone.
     */
    void stop(InstanceSpec spec);

    /**
     * Ends the processes of every uid {@code stray} accepts: clone identities no recorded clone
     * holds any more (their clone went while kopid was down). Returns how many processes.
     */
    int endStrays(IntPredicate stray);

    /**
     * Ends every process of {@code identity}, a clone's or a guest's own (never a shared user's),
     * stopped ones included; returns how many there were. Before such a uid is used again.
     */
    int end(OsUser identity);

    /**
     * Stops the instance like {@link #stop(InstanceSpec)}, but at once (immediate shutdown, no
     * shutdown checkpoint): for an instance whose data directory is destroyed next.
     */
    void discard(InstanceSpec spec);

    /** Stops the instance ({@link #stop(InstanceSpec)}) and removes its runtime files: socket directory, pg_hba.conf and log. */
    void remove(InstanceSpec spec);

    /** Where the instance's server log is. */
    Path logFile(InstanceSpec spec);

    /**
     * Client sessions on the instance now (kopid's own not counted); empty when that cannot be
     * learned in time, which callers must treat as "maybe in use".
     */
    OptionalInt sessions(InstanceSpec spec);

    /** Asks for a checkpoint, so a snapshot of the instance has little WAL to replay; best effort. */
    void checkpoint(InstanceSpec spec);

    /**
     * Closes a clone's instance to TCP clients (only kopid's socket stays) or opens it again;
     * returns once the postmaster has reloaded its pg_hba.conf, so no client can connect after a
     * close returns.
     */
    void setOpen(InstanceSpec spec, boolean open);

    /**
     * Runs kopid's own SQL on a connection over the instance's private socket, as the spec's
     * superuser, to {@code database}.
     */
    <T> T admin(InstanceSpec spec, String database, int timeoutSeconds, Work<T> work) throws SQLException;

    /**
     * Like {@link #admin}, for reading what a hostile holder controls (a clone's instance, where
     * the holder may be superuser): the connect and every read wait at most
     * {@code timeoutSeconds}, and no one result may bring more than {@code maxResultBytes} into
     * kopid.
     */
    <T> T adminBounded(InstanceSpec spec, String database, int timeoutSeconds, long maxResultBytes, Work<T> work)
            throws SQLException;

    /**
     * The instance's bootstrap superuser (role OID 10), found by connecting as each of
     * {@code candidates} in turn; FAILED_PRECONDITION naming them when none gets in.
     */
    String superuser(InstanceSpec spec, Set<String> candidates);

    /** Memory (PSS) of the instance whose postmaster is {@code pid}, with its children; 0 when gone. */
    long memory(long pid);

    /** Removes runtime files of instances that no longer exist (none of {@code clonePorts}, no staging). */
    void removeStale(Set<Integer> clonePorts);

    /** SQL run by {@link #admin}. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }
}
