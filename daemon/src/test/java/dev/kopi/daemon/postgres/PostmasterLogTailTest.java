package dev.kopi.daemon.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostmasterLogTailTest {
    @TempDir
    Path tmp;

    @Test
    void lastThreeLinesOnOneLineWithoutTimestamps() throws Exception {
        Path log = Files.writeString(tmp.resolve("c1.log"), """
                2026-11-23 02:00:00.123 UTC [41] LOG:  starting PostgreSQL 16.4
                2026-11-23 02:00:00.124 UTC [41] LOG:  could not bind IPv4 address "127.0.0.1": Address already in use

                2026-11-23 02:00:00.125 UTC [41] WARNING:  could not create listen socket for "127.0.0.1"
                2026-11-23 02:00:00.126 UTC [41] FATAL:  could not create any TCP/IP sockets
                """);
        assertEquals("LOG:  could not bind IPv4 address \"127.0.0.1\": Address already in use"
                        + " / WARNING:  could not create listen socket for \"127.0.0.1\""
                        + " / FATAL:  could not create any TCP/IP sockets",
                Postmaster.logTail(log, 0));
    }

    @Test
    void onlyWhatWasWrittenSinceTheOffsetCounts() throws Exception {
        String old = "2026-11-23 01:00:00.000 UTC [7] FATAL:  old failure\n";
        Path log = Files.writeString(tmp.resolve("c1.log"), old + "2026-11-23 02:00:00.000 UTC [9] LOG:  new start\n");
        assertEquals("LOG:  new start", Postmaster.logTail(log, old.length()));
    }

    @Test
    void emptyOrMissingLogsAreDescribed() throws Exception {
        Path empty = Files.writeString(tmp.resolve("empty.log"), "");
        assertTrue(Postmaster.logTail(empty, 0).startsWith("(no output; see "));
        assertTrue(Postmaster.logTail(tmp.resolve("missing.log"), 0).startsWith("(no log: "));
    }
}
