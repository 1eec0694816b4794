package dev.kopi.daemon.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.core.KopiException;

class DataDirectoryTest {
    @TempDir
    Path tmp;
    private Path dir;
    private DataDirectory dd;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createDirectories(tmp.resolve("main"));
        dd = new DataDirectory(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"16", "9.6", "17\n"})
    void versionIsReadFromPgVersion(String content) throws Exception {
        Files.writeString(dir.resolve("PG_VERSION"), content);
        assertEquals(content.strip(), dd.version());
    }

    @Test
    void directoryWithoutPgVersionIsNotADataDirectory() {
        KopiException e = assertThrows(KopiException.class, dd::version);
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("not a PostgreSQL data directory"), e.getMessage());
    }

    @Test
    void garbageInPgVersionIsRefused() throws Exception {
        Files.writeString(dir.resolve("PG_VERSION"), "sixteen");
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, assertThrows(KopiException.class, dd::version).kind());
    }

    @Test
    void noPidFileMeansNothingRuns() {
        assertEquals(List.of(), dd.pidFile());
        assertEquals(Optional.empty(), dd.runningPid());
        assertFalse(dd.ready());
    }

    @Test
    void stalePidFileOfAnotherProcessIsNotARunningPostmaster() throws Exception {
        Files.writeString(dir.resolve("postmaster.pid"), ProcessHandle.current().pid() + "\n" + dir + "\n");
        assertEquals(Optional.empty(), dd.runningPid(), "this JVM's cwd is not the data directory");
        Files.writeString(dir.resolve("postmaster.pid"), "not-a-pid\n");
        assertEquals(Optional.empty(), dd.runningPid());
    }

    @Test
    void readyIsTheEighthPidFileLine() throws Exception {
        Files.writeString(dir.resolve("postmaster.pid"), "1\n/d\n0\n6500\n/run\n*\n 0 0\nstarting\n");
        assertFalse(dd.ready());
        Files.writeString(dir.resolve("postmaster.pid"), "1\n/d\n0\n6500\n/run\n*\n 0 0\nready   \n");
        assertTrue(dd.ready());
    }

    @Test
    void tablespacesResolveRelativeAndAbsoluteLinks() throws Exception {
        Path tblspc = Files.createDirectories(dir.resolve("pg_tblspc"));
        Files.createSymbolicLink(tblspc.resolve("16384"), Path.of("../ts/a"));
        Files.createSymbolicLink(tblspc.resolve("16385"), tmp.resolve("elsewhere"));
        Files.createFile(tblspc.resolve("not-a-link"));

        List<DataDirectory.Tablespace> ts = dd.tablespaces().stream()
                .sorted(Comparator.comparing(DataDirectory.Tablespace::oid)).toList();

        assertEquals(2, ts.size());
        assertEquals(dir.resolve("ts/a"), ts.get(0).target());
        assertEquals(tmp.resolve("elsewhere"), ts.get(1).target());
    }

    @Test
    void tablespaceInsideTheDirectoryIsSelfContained() throws Exception {
        Path tblspc = Files.createDirectories(dir.resolve("pg_tblspc"));
        Files.createSymbolicLink(tblspc.resolve("16384"), Path.of("../ts/a"));
        dd.requireSelfContained(true);
    }

    @Test
    void tablespaceOutsideTheDirectoryIsRefused() throws Exception {
        Path tblspc = Files.createDirectories(dir.resolve("pg_tblspc"));
        Files.createSymbolicLink(tblspc.resolve("16385"), tmp.resolve("main-other"));
        KopiException e = assertThrows(KopiException.class, () -> dd.requireSelfContained(false));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("16385"), e.getMessage());
    }

    @Test
    void linkedWalIsRefusedOnlyWhileRunning() throws Exception {
        Files.createSymbolicLink(dir.resolve("pg_wal"), Files.createDirectories(tmp.resolve("wal")));
        assertTrue(dd.walIsLinked());
        dd.requireSelfContained(false);
        assertEquals(KopiException.Kind.FAILED_PRECONDITION,
                assertThrows(KopiException.class, () -> dd.requireSelfContained(true)).kind());
    }

    @Test
    void symlinkToADirectoryDoesNotCountAsExisting() throws Exception {
        assertTrue(dd.exists());
        Path link = Files.createSymbolicLink(tmp.resolve("link"), dir);
        assertFalse(new DataDirectory(link).exists());
        assertFalse(new DataDirectory(tmp.resolve("missing")).exists());
    }
}
