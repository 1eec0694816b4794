package dev.kopi.daemon.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class ProcessRunnerResultTest {
    private static final List<String> ARGV = List.of("/sbin/zfs", "destroy", "tank/kopi/clones/c1");

    @Test
    void okIsExitCodeZero() {
        assertTrue(new ProcessRunner.Result(ARGV, 0, "", "").ok());
        assertFalse(new ProcessRunner.Result(ARGV, 1, "", "").ok());
    }

    @Test
    void describeNamesTheProgramAndQuotesTheLastStderrLines() {
        String stderr = "line one\n\nline two\nline three\nline four\n";
        assertEquals("zfs exited with 1: line two / line three / line four",
                new ProcessRunner.Result(ARGV, 1, "ignored stdout", stderr).describe());
    }

    @Test
    void describeFallsBackToStdoutThenToNothing() {
        assertEquals("zfs exited with 2: dataset is busy",
                new ProcessRunner.Result(ARGV, 2, "dataset is busy\n", "  \n").describe());
        assertEquals("zfs exited with 3", new ProcessRunner.Result(ARGV, 3, "", "").describe());
    }
}
