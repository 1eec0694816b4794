package dev.kopi.daemon.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.kopi.sys.Posix;

class ProcessTableTest {
    @Test
    void theRealUidIsTheFirstFieldOfTheUidLine() {
        String status = "Name:\tpostgres\nState:\tS (sleeping)\nUid:\t2000000007\t2000000007\t0\t2000000007\n";
        assertEquals(new ProcessTable.Entry(7, 2000000007, false), ProcessTable.parse(7, status));
    }

    @Test
    void aZombieRunsNothingAndIsLeftOut() {
        assertNull(ProcessTable.parse(9, "Name:\tsleep\nState:\tZ (zombie)\nUid:\t5\t5\t5\t5\n"));
    }

    @Test
    void aStoppedProcessIsSeenAsStopped() {
        assertTrue(ProcessTable.parse(9, "State:\tT (stopped)\nUid:\t5\t5\t5\t5\n").stopped());
    }

    @Test
    void thisProcessIsFoundUnderItsOwnUid() {
        long me = ProcessHandle.current().pid();
        assertTrue(ProcessTable.all().contains(new ProcessTable.Entry(me, Posix.geteuid(), false)));
        assertTrue(ProcessTable.pidsOf(Posix.geteuid()).contains(me));
    }
}
