package dev.kopi.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Exercises the bindings on a real Btrfs filesystem in a loop-mounted sparse file.
 * Needs root (CAP_SYS_ADMIN), a loop device and mkfs.btrfs.
 */
class BtrfsLoopTest {
    private static LoopBtrfs fs;
    private static Path dir;
    private static Path image;
    private static Path mnt;

    @BeforeAll
    static void mountFilesystem() throws Exception {
        fs = LoopBtrfs.create(256L << 20);
        dir = fs.dir;
        image = fs.image;
        mnt = fs.mnt;
    }

    @AfterAll
    static void unmountFilesystem() throws Exception {
        fs.close();
        // Autoclear: the loop device went away with the mount.
        assertFalse(fs.loopDeviceWasLeftBound(), "loop device still bound after unmount");
    }

    @Test
    void mountedFilesystemIsBtrfsOnALoopDevice() throws IOException {
        Mounts.Mount m = Mounts.at(mnt).orElseThrow();
        assertEquals("btrfs", m.fsType());
        assertTrue(m.source().startsWith("/dev/loop"), m.source());
        assertEquals(Path.of(m.source()), LoopDevices.findByBackingFile(image).orElseThrow());
        Statfs st = Statfs.of(mnt);
        assertEquals(Btrfs.SUPER_MAGIC, st.type());
        assertTrue(st.sizeBytes() > 200L << 20 && st.sizeBytes() <= 256L << 20, "size " + st.sizeBytes());
        assertTrue(st.freeBytes() > 0 && st.freeBytes() < st.sizeBytes());
    }

    @Test
    void subvolumeSnapshotCloneAndDelete() throws IOException {
        Path src = mnt.resolve("src");
        Btrfs.createSubvolume(src);
        assertTrue(Btrfs.isSubvolume(src));
        Files.writeString(src.resolve("a.txt"), "original");

        Path snap = mnt.resolve("snap");
        Btrfs.snapshot(src, snap, true);
        assertTrue(Btrfs.isSubvolume(snap));
        assertTrue(Btrfs.isReadOnly(snap));
        assertThrows(FileSystemException.class, () -> Files.writeString(snap.resolve("a.txt"), "changed"));

        Path clone = mnt.resolve("clone");
        Btrfs.snapshot(snap, clone, false);
        assertFalse(Btrfs.isReadOnly(clone));
        Files.writeString(clone.resolve("a.txt"), "changed in clone");
        assertEquals("original", Files.readString(snap.resolve("a.txt")));
        assertEquals("original", Files.readString(src.resolve("a.txt")));
        assertEquals("changed in clone", Files.readString(clone.resolve("a.txt")));

        Btrfs.setReadOnly(clone, true);
        assertTrue(Btrfs.isReadOnly(clone));
        Btrfs.setReadOnly(clone, false);
        assertFalse(Btrfs.isReadOnly(clone));

        Btrfs.deleteSubvolume(clone);
        Btrfs.deleteSubvolume(snap);
        Btrfs.deleteSubvolume(src);
        assertFalse(Files.exists(clone));
        assertFalse(Files.exists(snap));
        assertFalse(Files.exists(src));
    }

    @Test
    void plainDirectoryIsNotASubvolume() throws IOException {
        Path d = Files.createDirectory(mnt.resolve("plain"));
        assertFalse(Btrfs.isSubvolume(d));
        assertFalse(Btrfs.isSubvolume(dir)); // not on Btrfs at all
        Files.delete(d);
    }

    @Test
    void failuresCarryCallPathAndErrno() {
        Path missing = mnt.resolve("missing");
        SysException e = assertThrows(SysException.class, () -> Btrfs.snapshot(missing, mnt.resolve("x"), true));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());

        SysException del = assertThrows(SysException.class, () -> Btrfs.deleteSubvolume(mnt.resolve("nope")));
        assertEquals(Errno.ENOENT, del.errno());
        assertTrue(del.getMessage().startsWith("ioctl(BTRFS_IOC_SNAP_DESTROY"), del.getMessage());
    }

    @Test
    void snapshotAcrossFilesystemsFailsWithExdev() throws IOException {
        Path outside = Files.createDirectory(dir.resolve("outside"));
        SysException e = assertThrows(SysException.class, () -> Btrfs.snapshot(mnt, outside.resolve("x"), true));
        // The target's parent is not on Btrfs: the ioctl is unknown there, or crosses devices.
        assertTrue(e.errno() == Errno.ENOTTY || e.errno() == Errno.EXDEV || e.errno() == Errno.EINVAL,
                e.getMessage());
    }

    @Test
    void fileCopyReflinksOnBtrfsAndCopiesElsewhere() throws IOException {
        Path a = mnt.resolve("big.bin");
        byte[] data = new byte[3 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        Files.write(a, data);
        AtomicLong seen = new AtomicLong();
        assertEquals(FileCopy.Method.REFLINK, FileCopy.copy(a, mnt.resolve("big.copy"), 0600, seen::addAndGet));
        assertEquals(data.length, seen.get());

        AtomicLong seen2 = new AtomicLong();
        Path outside = dir.resolve("big.out");
        assertEquals(FileCopy.Method.KERNEL_COPY, FileCopy.copy(a, outside, 0640, seen2::addAndGet));
        assertEquals(data.length, seen2.get());
        assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(outside)));
        assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(mnt.resolve("big.copy"))));
        assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(outside)));

        SysException exists = assertThrows(SysException.class, () -> FileCopy.copy(a, outside, 0600, n -> { }));
        assertEquals(Errno.EEXIST, exists.errno());
        Files.delete(a);
        Files.delete(mnt.resolve("big.copy"));
        Files.delete(outside);
    }

    @Test
    void fullFilesystemReportsNoSpace() throws IOException {
        Path hog = mnt.resolve("hog");
        SysException e = assertThrows(SysException.class, () -> FileCopy.allocate(hog, 1L << 30));
        assertTrue(e.isNoSpace(), e.getMessage());
        Files.deleteIfExists(hog);
    }

    @Test
    void posixLooksUpUsersAndSignals() throws Exception {
        Posix.User root = Posix.user("root").orElseThrow();
        assertEquals(0, root.uid());
        assertTrue(Posix.user("no-such-user-kopi").isEmpty());
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            assertTrue(Posix.kill(sleeper.pid(), 0));
            assertTrue(Posix.kill(sleeper.pid(), Posix.SIGTERM));
            assertTrue(sleeper.waitFor(5, TimeUnit.SECONDS));
            assertFalse(Posix.kill(sleeper.pid(), 0));
        } finally {
            sleeper.destroyForcibly();
        }
        Path f = Files.createFile(dir.resolve("perm"));
        Posix.chmod(f, 0640);
        assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }
}
