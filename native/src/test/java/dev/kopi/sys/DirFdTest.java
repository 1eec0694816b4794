package dev.kopi.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The path-safe helpers against what a hostile owner of a tree can do: symlinks where
 * directories are expected, FIFOs, a parent swapped for a symlink while root works in it.
 */
class DirFdTest {
    private static final int UID = 4_242_424;

    @TempDir
    Path tmp;
    private Path outside;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "chown needs root");
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "not yours");
    }

    private static int uidOf(Path p) throws Exception {
        return ((Number) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).intValue();
    }

    private static void mkfifo(Path p) throws Exception {
        Process pr = new ProcessBuilder("mkfifo", p.toString()).start();
        assertEquals(0, pr.waitFor());
    }

    @Test
    void aSymlinkIsNeverOpenedAsADirectory() throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Files.createSymbolicLink(tree.resolve("link"), outside);
        Files.createDirectory(tree.resolve("real"));
        try (DirFd d = DirFd.open(tree)) {
            assertTrue(d.openDir("link").isEmpty());
            assertTrue(d.openDir("real").isPresent());
            assertTrue(d.openDir("absent").isEmpty());
            assertEquals(Optional.of(outside.toString()), d.readlink("link"));
            assertEquals(Optional.empty(), d.readlink("real"));
            assertEquals(List.of("link", "real"), d.list());
        }
        assertThrows(SysException.class, () -> DirFd.open(tree.resolve("link")), "the last component too");
    }

    @Test
    void attributesOfAnEntryAreReadWithoutFollowingItsName() throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Files.writeString(tree.resolve("file"), "x");
        Files.setLastModifiedTime(tree.resolve("file"), java.nio.file.attribute.FileTime.fromMillis(1_000_000L));
        Files.createSymbolicLink(tree.resolve("link"), outside);
        try (DirFd d = DirFd.open(tree)) {
            assertEquals(1_000_000L, d.attributes("file").orElseThrow().lastModifiedTime().toMillis());
            assertTrue(d.attributes("gone").isEmpty());
            assertThrows(IllegalArgumentException.class, () -> d.attributes("../file"));
            assertTrue(d.attributes("link").isPresent(), "a link is an entry; its name is not followed to open it");
        }
    }

    @Test
    void chownGivesTheLinkNotItsTarget() throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Files.createSymbolicLink(tree.resolve("link"), outside.resolve("secret"));
        try (DirFd d = DirFd.open(tree)) {
            d.chown("link", UID, UID);
        }
        assertEquals(UID, uidOf(tree.resolve("link")));
        assertEquals(0, uidOf(outside.resolve("secret")));
    }

    @Test
    void aFifoNeitherBlocksNorPassesForADirectory() throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        mkfifo(tree.resolve("fifo"));
        try (DirFd d = DirFd.open(tree)) {
            long t0 = System.nanoTime();
            assertTrue(d.openDir("fifo").isEmpty());
            int fd = d.openRead("fifo");
            Native.LIBC.close(fd);
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(2).toNanos(), "nothing waited for a writer");
        }
    }

    @Test
    void openBeneathRefusesSymlinksAndEscapes() throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("tree/a/b"));
        Files.createSymbolicLink(tmp.resolve("tree/a/link"), tmp.resolve("tree/a/b"));
        Files.createSymbolicLink(tmp.resolve("tree/abs"), outside);
        try (DirFd d = DirFd.open(tmp.resolve("tree"))) {
            try (DirFd b = d.openBeneath("a/b")) {
                assertTrue(b.path().endsWith("a/b"));
            }
            assertThrows(SysException.class, () -> d.openBeneath("a/link"));
            assertThrows(SysException.class, () -> d.openBeneath("abs"));
            assertThrows(SysException.class, () -> d.openBeneath("../outside"));
            assertThrows(SysException.class, () -> d.openBeneath("/etc"));
        }
    }

    @Test
    void aParentSwappedForASymlinkRedirectsNothing() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("owned/dir"));
        try (DirFd d = DirFd.open(dir)) {
            // the owner renames the directory away and puts a symlink to somewhere else in its place
            Files.move(dir, tmp.resolve("owned/moved"));
            Files.createSymbolicLink(dir, outside);

            assertTrue(d.createEmptyFile("planted", 0600));
            d.symlink("target", "made-link");
            assertTrue(d.unlink("made-link"));
            d.mkdir("sub", 0700);
        }
        assertTrue(Files.exists(tmp.resolve("owned/moved/planted")), "it landed where the directory really is");
        assertTrue(Files.isDirectory(tmp.resolve("owned/moved/sub")));
        assertFalse(Files.exists(outside.resolve("planted")));
        assertFalse(Files.exists(outside.resolve("sub")));
    }

    @Test
    void unlinkRemovesALinkNeverItsTarget() throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Files.createSymbolicLink(tree.resolve("link"), outside.resolve("secret"));
        try (DirFd d = DirFd.open(tree)) {
            assertTrue(d.unlink("link"));
            assertFalse(d.unlink("link"));
        }
        assertTrue(Files.exists(outside.resolve("secret")));
    }

    @Test
    void aNameWithASlashIsRefused() throws Exception {
        try (DirFd d = DirFd.open(tmp)) {
            assertThrows(IllegalArgumentException.class, () -> d.unlink("outside/secret"));
            assertThrows(IllegalArgumentException.class, () -> d.openDir(".."));
            assertThrows(IllegalArgumentException.class, () -> d.chown("", UID, UID));
        }
        assertTrue(Files.exists(outside.resolve("secret")));
    }

    @Test
    void ownedTreeGivesEverythingBelowAndNothingOutside() throws Exception {
        Files.createDirectories(tmp.resolve("tree/base/1"));
        Files.writeString(tmp.resolve("tree/PG_VERSION"), "16\n");
        Files.writeString(tmp.resolve("tree/base/1/1259"), "rows");
        Files.setPosixFilePermissions(tmp.resolve("tree/base"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.createSymbolicLink(tmp.resolve("tree/base/escape"), outside);
        Files.createSymbolicLink(tmp.resolve("tree/file-link"), outside.resolve("secret"));
        mkfifo(tmp.resolve("tree/fifo"));

        OwnedTree.Counts c = OwnedTree.give(tmp.resolve("tree"), UID, UID);

        assertEquals(3, c.directories());
        assertEquals(5, c.entries());
        for (String p : List.of("tree", "tree/base", "tree/base/1", "tree/PG_VERSION", "tree/base/1/1259",
                "tree/base/escape", "tree/file-link", "tree/fifo")) {
            assertEquals(UID, uidOf(tmp.resolve(p)), p);
        }
        assertEquals("rwx------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(tmp.resolve("tree/base"))), "no directory stays writable by others");
        assertEquals(0, uidOf(outside), "a symlink's target is not followed");
        assertEquals(0, uidOf(outside.resolve("secret")));
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void chmodFileChangesARegularFileOnlyNeverALinksTargetNorAFifo() throws Exception {
        Files.writeString(tmp.resolve("data"), "x");
        Files.setPosixFilePermissions(tmp.resolve("data"), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(outside.resolve("secret"), PosixFilePermissions.fromString("rw-------"));
        Files.createSymbolicLink(tmp.resolve("link"), outside.resolve("secret"));
        mkfifo(tmp.resolve("fifo"));
        Files.setPosixFilePermissions(tmp.resolve("fifo"), PosixFilePermissions.fromString("rw-------"));
        try (DirFd d = DirFd.open(tmp)) {
            assertTrue(d.chmodFile("data", 0666));
            assertFalse(d.chmodFile("link", 0666));
            assertFalse(d.chmodFile("fifo", 0666), "not opened, so it cannot block either");
            assertFalse(d.chmodFile("outside", 0666), "a directory");
            assertFalse(d.chmodFile("gone", 0666));
        }
        assertEquals("rw-rw-rw-", mode(tmp.resolve("data")));
        assertEquals("rw-------", mode(outside.resolve("secret")), "a symlink's target is not changed");
        assertEquals("rw-------", mode(tmp.resolve("fifo")));
    }

    @Test
    void aTreePreparedForClonesIsOpenBelowItsRootAndItsTopLevelFilesStayPrivate() throws Exception {
        Files.createDirectories(tmp.resolve("tree/base/1"));
        Path tree = tmp.resolve("tree");
        Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(tree, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(tree.resolve("base"), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(tree.resolve("base/1"), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(tree.resolve("server.key"), "k");
        Files.setPosixFilePermissions(tree.resolve("server.key"), PosixFilePermissions.fromString("rw-------"));
        Files.writeString(tree.resolve("base/1/1259"), "rows");
        Files.setPosixFilePermissions(tree.resolve("base/1/1259"), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(outside.resolve("secret"), PosixFilePermissions.fromString("rw-------"));
        Files.createSymbolicLink(tree.resolve("base/1/escape"), outside.resolve("secret"));
        Files.createSymbolicLink(tree.resolve("base/out"), outside);

        OwnedTree.Counts c = OwnedTree.prepareForClones(tree);

        assertEquals(2, c.directories());
        assertEquals(1, c.entries());
        assertEquals("rwx------", mode(tree), "the root is what keeps others out");
        assertEquals("rw-------", mode(tree.resolve("server.key")));
        assertEquals("rwxrwxrwx", mode(tree.resolve("base")));
        assertEquals("rwxrwxrwx", mode(tree.resolve("base/1")));
        assertEquals("rw-rw-rw-", mode(tree.resolve("base/1/1259")));
        assertEquals("rw-------", mode(outside.resolve("secret")), "no link is followed");
        assertEquals("rwx------", mode(outside), "nor a link to a directory");

        OwnedTree.Counts given = OwnedTree.giveTop(tree, UID, UID);

        assertEquals(1, given.entries(), "the top-level file; directories below keep their owner");
        assertEquals(UID, uidOf(tree));
        assertEquals("rwx------", mode(tree));
        assertEquals(UID, uidOf(tree.resolve("server.key")));
        assertEquals(0, uidOf(tree.resolve("base")));
        assertEquals(0, uidOf(tree.resolve("base/1/1259")));
    }
}
