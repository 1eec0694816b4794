package dev.kopi.daemon.postgres;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import java.util.logging.Logger;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.process.ProcessTable;
import dev.kopi.sys.Posix;
import dev.kopi.sys.SysException;

/**
 * Ends whatever a clone's holder left running as the clone's own identity. A holder can start
 * programs that outlive their postmaster ({@code COPY ... TO PROGRAM 'setsid sleep 1d &'}); such
 * a process must go with the clone, or it would keep the volume busy and, once the uid is handed
 * to another clone, reach that clone's files. Every process of the uid is killed by
 * {@code kill(-1, SIGKILL)} made as that uid: the kernel then signals all of the uid's processes
 * in one pass, so none escapes by forking, and root never kills a pid read from a file the
 * holder wrote.
 */
public final class HolderProcesses {
    private static final Logger LOG = Logger.getLogger(HolderProcesses.class.getName());
    private static final int ROUNDS = 5;
    private static final Duration GONE_WAIT = Duration.ofSeconds(2);

    private final ProcessRunner runner;

    public HolderProcesses(ProcessRunner runner) {
        this.runner = runner;
    }

    /**
     * Kills every process of {@code user}, a clone's own identity, and returns how many there
     * were; INTERNAL if some survive (they cannot, short of an unkillable kernel wait).
     */
    public int end(OsUser user) {
        if (!user.bare()) {
            throw new IllegalArgumentException(user.name() + " is a shared user, not a clone's own identity");
        }
        int seen = 0;
        for (int round = 0; round < ROUNDS; round++) {
            List<Long> pids = ProcessTable.pidsOf(user.uid());
            if (pids.isEmpty()) {
                return seen;
            }
            if (round == 0) {
                seen = pids.size();
            }
            try {
                // kill(2) with pid -1 as the uid: every process it may signal but itself. The exit
                // status says nothing useful (procps reports 1 even when it killed), so the table is
                // looked at again instead.
                runner.run(user.wrap(List.of("kill", "-KILL", "-1")), Duration.ofSeconds(10));
            } catch (IOException e) {
                throw KopiException.internal("cannot end the processes of " + user.name() + ": " + e.getMessage(), e);
            }
            waitGone(user.uid());
        }
        List<Long> left = ProcessTable.pidsOf(user.uid());
        if (!left.isEmpty()) {
            throw KopiException.internal("processes " + left + " of " + user.name() + " survived SIGKILL", null);
        }
        return seen;
    }

    /**
     * Continues every stopped process of {@code user}, a clone's own identity: a holder who
     * SIGSTOPs their backends would otherwise hold a fast shutdown up until it times out twice.
     * Returns how many were stopped.
     */
    public int resume(OsUser user) {
        if (!user.bare()) {
            throw new IllegalArgumentException(user.name() + " is a shared user, not a clone's own identity");
        }
        int n = 0;
        for (ProcessTable.Entry e : ProcessTable.of(user.uid())) {
            if (e.stopped()) {
                try {
                    // Root signals a pid it just read from /proc; SIGCONT harms nothing if it was reused.
                    Posix.kill(e.pid(), Posix.SIGCONT);
                    n++;
                } catch (SysException gone) {
                    // exited meanwhile
                }
            }
        }
        return n;
    }

    /**
     * Ends the processes of every uid {@code stray} accepts (clone identities no recorded clone
     * holds: left by a clone destroyed while kopid was down); returns how many processes.
     */
    public int endStrays(IntPredicate stray) {
        TreeSet<Integer> uids = new TreeSet<>();
        for (ProcessTable.Entry e : ProcessTable.all()) {
            if (stray.test(e.uid())) {
                uids.add(e.uid());
            }
        }
        int ended = 0;
        for (int uid : uids) {
            try {
                int n = end(OsUser.ofUid(uid));
                ended += n;
                LOG.warning("ended " + n + " process(es) of uid " + uid + ", which no clone holds any more");
            } catch (RuntimeException e) {
                LOG.warning("could not end the processes of uid " + uid + ": " + e.getMessage());
            }
        }
        return ended;
    }

    private static void waitGone(int uid) {
        long deadline = System.nanoTime() + GONE_WAIT.toNanos();
        while (System.nanoTime() < deadline && !ProcessTable.pidsOf(uid).isEmpty()) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
