package dev.kopi.daemon.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;

import dev.kopi.daemon.process.ProcessTable;
import dev.kopi.daemon.process.SystemProcessRunner;
import dev.kopi.sys.Posix;

/** Ends real processes of a throwaway uid, as kopid does when a clone goes. */
class HolderProcessesTest {
    private final HolderProcesses holders = new HolderProcesses(new SystemProcessRunner());

    /** A uid near the top of the clone range, so no test elsewhere and no user has it. */
    private static int throwawayUid() {
        return 2_000_090_000 + ThreadLocalRandom.current().nextInt(9_000);
    }

    private static Process runAs(int uid, String script) throws Exception {
        return new ProcessBuilder("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--",
                "sh", "-c", script).start();
    }

    /** Waits until {@code n} processes run as {@code uid} (setpriv switches after it is started). */
    private static void awaitRunning(int uid, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (ProcessTable.pidsOf(uid).size() < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    @Test
    void everyProcessOfTheIdentityGoesEvenOnesThatLeftTheirSessionAndForked() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "switching uid needs root");
        int uid = throwawayUid();
        int other = uid + 1;
        Process bystander = runAs(other, "sleep 300");
        try {
            // the way a holder would leave things behind: a detached process with children of its own
            runAs(uid, "setsid sh -c 'sleep 300 & sleep 300 & wait' & sleep 300");
            awaitRunning(uid, 4);
            assertTrue(ProcessTable.pidsOf(uid).size() >= 4, "the holder's processes run: " + ProcessTable.pidsOf(uid));

            int ended = holders.end(OsUser.ofUid(uid));

            assertTrue(ended >= 4, "counted " + ended);
            assertEquals(List.of(), ProcessTable.pidsOf(uid));
            assertTrue(bystander.isAlive(), "another identity's process is untouched");
        } finally {
            bystander.destroyForcibly().waitFor();
            holders.end(OsUser.ofUid(uid));
            holders.end(OsUser.ofUid(other));
        }
    }

    @Test
    void strayIdentitiesAreEndedAndHeldOnesKept() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "switching uid needs root");
        int stray = throwawayUid();
        int held = stray + 2;
        Process kept = runAs(held, "sleep 300");
        Process left = runAs(stray, "sleep 300");
        try {
            awaitRunning(stray, 1);
            awaitRunning(held, 1);
            int n = holders.endStrays(uid -> uid == stray);
            assertTrue(n >= 1, "ended " + n);
            left.waitFor();
            assertEquals(List.of(), ProcessTable.pidsOf(stray));
            assertTrue(kept.isAlive());
        } finally {
            kept.destroyForcibly().waitFor();
            left.destroyForcibly().waitFor();
            holders.end(OsUser.ofUid(held));
            holders.end(OsUser.ofUid(stray));
        }
    }

    @Test
    void stoppedProcessesAreContinuedSoTheyCanShutDown() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "switching uid needs root");
        int uid = throwawayUid();
        Process p = runAs(uid, "kill -STOP $$; sleep 300");
        try {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (ProcessTable.of(uid).stream().noneMatch(ProcessTable.Entry::stopped) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(ProcessTable.of(uid).stream().anyMatch(ProcessTable.Entry::stopped), "the holder froze itself");
            assertEquals(1, holders.resume(OsUser.ofUid(uid)));
            deadline = System.nanoTime() + 5_000_000_000L;
            while (ProcessTable.of(uid).stream().anyMatch(ProcessTable.Entry::stopped) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(ProcessTable.of(uid).stream().noneMatch(ProcessTable.Entry::stopped));
        } finally {
            p.destroyForcibly().waitFor();
            holders.end(OsUser.ofUid(uid));
        }
    }

    @Test
    void aSharedUserIsNeverSweptLikeACloneIdentity() {
        OsUser shared = new OsUser("postgres", 1234, 1234);
        assertThrows(IllegalArgumentException.class, () -> holders.end(shared));
        assertThrows(IllegalArgumentException.class, () -> holders.resume(shared));
    }

    @Test
    void nothingRunningIsNothingToDo() {
        assumeTrue(Posix.geteuid() == 0, "switching uid needs root");
        assertEquals(0, holders.end(OsUser.ofUid(throwawayUid())));
    }
}
