package dev.kopi.daemon.postgres;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoveryProgressTest {
    @TempDir
    Path dir;

    private void append(Path log, String line) throws Exception {
        Files.writeString(log, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void onlyNewRecoveryLinesCountAsProgress() throws Exception {
        Path log = dir.resolve("postgres.log");
        append(log, "2026-12-02 01:00:00.000 UTC [9] LOG:  restored log file \"000000010000000000000001\" from archive");
        RecoveryProgress p = new RecoveryProgress(log, Files.size(log));
        assertFalse(p.advanced(), "what was there before the start is not progress");

        append(log, "2026-12-02 01:00:01.000 UTC [9] LOG:  restored log file \"000000010000000000000002\" from archive");
        assertTrue(p.advanced());
        assertFalse(p.advanced(), "the same line is not progress twice");

        append(log, "2026-12-02 01:00:02.000 UTC [9] LOG:  waiting for WAL to become available at 0/3000000");
        assertFalse(p.advanced(), "waiting is not headway");

        append(log, "2026-12-02 01:00:12.000 UTC [9] LOG:  redo in progress, elapsed time: 10.00 s, "
                + "current LSN: 0/9000028");
        assertTrue(p.advanced());
    }

    @Test
    void aMissingLogIsNoProgress() {
        assertFalse(new RecoveryProgress(dir.resolve("absent.log"), 0).advanced());
    }
}
