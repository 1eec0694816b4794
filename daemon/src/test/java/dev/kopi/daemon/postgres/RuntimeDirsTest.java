package dev.kopi.daemon.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.core.KopiException;

class RuntimeDirsTest {
    @TempDir
    Path state;
    RuntimeDirs dirs;

    @BeforeEach
    void setUp() throws Exception {
        for (String d : new String[] {"run", "hba", "logs"}) {
            Files.createDirectories(state.resolve(d));
        }
        dirs = new RuntimeDirs(state);
    }

    @Test
    void removingASocketDirUnlinksPlantedSymlinksWithoutFollowingThem() throws Exception {
        Path precious = Files.writeString(state.resolve("precious"), "keep me");
        Path sockets = Files.createDirectory(dirs.socketDir("6500"));
        Files.createSymbolicLink(sockets.resolve(".s.PGSQL.6500.lock"), precious);
        Files.createSymbolicLink(sockets.resolve("etc"), state);
        dirs.removeSocketDir(sockets);
        assertFalse(Files.exists(sockets));
        assertEquals("keep me", Files.readString(precious));
        assertTrue(Files.isDirectory(state.resolve("hba")), "nothing below the link target was touched");
    }

    @Test
    void staleRuntimeFilesGoButThoseOfPortsInUseStay() throws Exception {
        Files.createDirectory(dirs.socketDir("6500"));
        Files.createDirectory(dirs.socketDir("6501"));
        Files.createDirectory(dirs.socketDir("s0badbeef"));
        Files.writeString(dirs.hbaFile("6500"), "x");
        Files.writeString(dirs.hbaFile("6501"), "x");
        Files.writeString(dirs.hbaFile("s0badbeef"), "x");
        Files.createDirectory(state.resolve("run/not-ours"));

        dirs.removeStale(Set.of(6500));

        assertTrue(Files.exists(dirs.socketDir("6500")));
        assertTrue(Files.exists(dirs.hbaFile("6500")));
        assertFalse(Files.exists(dirs.socketDir("6501")));
        assertFalse(Files.exists(dirs.hbaFile("6501")));
        assertFalse(Files.exists(dirs.socketDir("s0badbeef")));
        assertFalse(Files.exists(dirs.hbaFile("s0badbeef")));
        assertTrue(Files.exists(state.resolve("run/not-ours")), "only what matches our own naming is removed");
    }

    @Test
    void hbaFilesAreNeverWrittenThroughASymlink() throws Exception {
        Path precious = Files.writeString(state.resolve("precious"), "keep me");
        Path hba = dirs.hbaFile("6500");
        Files.createSymbolicLink(hba, precious);
        assertThrows(KopiException.class, () -> dirs.writeHba(hba, "local all all trust\n", CLONE));
        assertEquals("keep me", Files.readString(precious));
    }

    private static final OsUser CLONE = OsUser.ofUid(1_999_000_042);

    @Test
    void hbaFilesAreReadableByTheirInstanceAloneAndWritableByNoneOfThem() throws Exception {
        Path hba = dirs.hbaFile("6500");
        dirs.writeHba(hba, "host all all 127.0.0.1/32 scram-sha-256\n", CLONE);
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(hba)));
        assertEquals(0, ((Number) Files.getAttribute(hba, "unix:uid")).intValue());
        assertEquals(CLONE.gid(), ((Number) Files.getAttribute(hba, "unix:gid")).intValue());
        dirs.writeHba(hba, "local all all trust\n", CLONE);
        assertEquals("local all all trust\n", Files.readString(hba), "rewritten in place, truncated");
    }

    @Test
    void aLogBeyondTheCapKeepsItsLastHalfAsideAndStartsAgain() throws Exception {
        dirs.prepare();
        Path log = dirs.logFile("c1");
        Files.writeString(log, "old".repeat(100) + "newest line\n");
        Path small = dirs.logFile("c2");
        Files.writeString(small, "fine\n");

        dirs.capLogs(100);

        assertEquals("", Files.readString(log), "starts again empty (postgres appends at the new end)");
        String aside = Files.readString(log.resolveSibling("c1.log.1"));
        assertEquals(50, aside.length());
        assertTrue(aside.endsWith("newest line\n"), aside);
        assertEquals("fine\n", Files.readString(small), "a log within the cap is left alone");
    }
}
