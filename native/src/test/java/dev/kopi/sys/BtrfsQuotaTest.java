package dev.kopi.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Quota groups on real Btrfs filesystems in loop-mounted sparse files, one fresh filesystem per
 * test because the quota mode belongs to the filesystem. {@code btrfs qgroup show} and sysfs
 * serve as oracles only. Needs root (CAP_SYS_ADMIN), loop devices, mkfs.btrfs and btrfs.
 */
class BtrfsQuotaTest {
    private static final long MIB = 1L << 20;
    /** Metadata (tree blocks of 16 KiB) that comes with writing or snapshotting, at most. */
    private static final long SLACK = MIB / 2;
    private static final long FS_SIZE = 1L << 30;

    @Test
    void ioctlNumbersMatchTheKernelHeaders() {
        // Printed by a C program from <linux/btrfs.h>.
        assertEquals(0xC0109428L, BtrfsQuota.IOC_QUOTA_CTL);
        assertEquals(0xD0009412L, BtrfsQuota.IOC_INO_LOOKUP);
        assertEquals(0xD0009411L, BtrfsQuota.IOC_TREE_SEARCH);
        assertEquals(0x9408L, BtrfsQuota.IOC_SYNC);
        assertEquals(0x4040942CL, BtrfsQuota.IOC_QUOTA_RESCAN);
        assertEquals(0x942EL, BtrfsQuota.IOC_QUOTA_RESCAN_WAIT);
    }

    @Test
    void simpleQuotasChargeEachExtentToTheSubvolumeThatWroteIt() throws Exception {
        try (LoopBtrfs fs = LoopBtrfs.create(FS_SIZE)) {
            Path old = mkSubvolumeWith(fs.mnt.resolve("old"), 2 * MIB);
            Path late = fs.mnt.resolve("late");
            Btrfs.createSubvolume(late);
            // Only extents already on disk predate quotas: delayed allocation would place
            // data still in the page cache after enabling, and charge it.
            BtrfsQuota.sync(fs.mnt);
            writeRandom(late.resolve("dirty"), 2 * MIB, 8);
            assertEquals(BtrfsQuota.Mode.OFF, BtrfsQuota.mode(fs.mnt));

            BtrfsQuota.Mode mode = BtrfsQuota.enable(fs.mnt);
            if (!kernelAtLeast(6, 7)) {
                assertEquals(BtrfsQuota.Mode.FULL, mode, "no simple quotas before Linux 6.7");
                return;
            }
            assertEquals(BtrfsQuota.Mode.SIMPLE, mode);
            assertEquals(new BtrfsQuota.Status(BtrfsQuota.Mode.SIMPLE, false, false), BtrfsQuota.status(fs.mnt));
            assertEquals("squota", sysfsQgroupMode(fs));
            SysException rescan = assertThrows(SysException.class, () -> BtrfsQuota.rescan(fs.mnt));
            assertEquals(Errno.EINVAL, rescan.errno(), "simple quotas cannot be rescanned");
            BtrfsQuota.waitForRescan(fs.mnt); // nothing to wait for

            // Extents already on disk before enabling are charged to nobody.
            BtrfsQuota.sync(fs.mnt);
            BtrfsQuota.Usage oldUsage = usageOf(fs, old);
            assertTrue(oldUsage.exclusive() < SLACK, "data on disk before enabling is not charged: " + oldUsage);
            assertAbout(2 * MIB, usageOf(fs, late).exclusive(), "data written back after enabling");

            Scenario s = runScenario(fs);
            report("SIMPLE", s);

            assertAbout(20 * MIB, s.srcWritten.exclusive() - s.srcEmpty.exclusive(), "source exclusive after 20 MiB");
            assertEquals(s.srcWritten.referenced(), s.srcWritten.exclusive(), "simple quotas: referenced == exclusive");
            // The snapshot is charged only for the tree blocks it got; the source keeps the data.
            assertTrue(s.snapFresh.exclusive() < SLACK, "fresh snapshot exclusive " + s.snapFresh);
            assertTrue(s.snapFresh.referenced() < SLACK, "fresh snapshot referenced " + s.snapFresh);
            assertAbout(s.srcWritten.exclusive(), s.srcAfterSnap.exclusive(), "source exclusive after the snapshot");
            // What the clone writes is its own, in both numbers.
            assertAbout(10 * MIB, s.snapNewFile.exclusive() - s.snapFresh.exclusive(), "snapshot exclusive after 10 MiB");
            assertAbout(10 * MIB, s.snapNewFile.referenced() - s.snapFresh.referenced(), "snapshot referenced after 10 MiB");
            assertAbout(4 * MIB, s.snapOverwrite.exclusive() - s.snapNewFile.exclusive(), "snapshot after a 4 MiB overwrite");
            assertAbout(s.srcWritten.exclusive(), s.srcEnd.exclusive(), "source unaffected by the clone's writes");

            // Deleting an origin while a clone still uses its extents: the charge stays with the
            // origin's qgroup, which outlives the subvolume until the clone lets go of the data.
            Path origin = mkSubvolumeWith(fs.mnt.resolve("origin"), 5 * MIB);
            Path clone = fs.mnt.resolve("clone");
            Btrfs.snapshot(origin, clone, false);
            long originId = BtrfsQuota.subvolumeId(origin);
            Btrfs.deleteSubvolume(origin);
            BtrfsQuota.sync(fs.mnt);
            assertAbout(5 * MIB, BtrfsQuota.usage(fs.mnt).get(originId).exclusive(), "deleted origin, clone alive");
            Files.delete(clone.resolve("data"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            BtrfsQuota.Usage left;
            do {
                Thread.sleep(50); // the cleaner drops the deleted origin's tree in the background
                BtrfsQuota.sync(fs.mnt);
                left = BtrfsQuota.usage(fs.mnt).get(originId);
            } while (left != null && left.exclusive() > 0 && System.nanoTime() < deadline);
            // On 6.18 the emptied qgroup stays listed with zeros; older kernels may drop it.
            assertTrue(left == null || left.exclusive() == 0, "deleted origin after the clone let go: " + left);
        }
    }

    @Test
    void fullQgroupsSplitSharedFromExclusive() throws Exception {
        try (LoopBtrfs fs = LoopBtrfs.create(FS_SIZE)) {
            Path old = mkSubvolumeWith(fs.mnt.resolve("old"), 2 * MIB);
            assertEquals(BtrfsQuota.Mode.FULL, BtrfsQuota.enable(fs.mnt, BtrfsQuota.Mode.FULL));
            assertEquals("qgroup", sysfsQgroupMode(fs));
            // Enabling marks the numbers inconsistent and starts a rescan that fixes them.
            BtrfsQuota.waitForRescan(fs.mnt);
            BtrfsQuota.sync(fs.mnt);
            assertEquals(new BtrfsQuota.Status(BtrfsQuota.Mode.FULL, false, false), BtrfsQuota.status(fs.mnt));

            // The rescan counted the data written before enabling.
            assertAbout(2 * MIB, usageOf(fs, old).exclusive(), "pre-existing data after the rescan");

            Scenario s = runScenario(fs);
            report("FULL", s);

            assertAbout(20 * MIB, s.srcWritten.exclusive() - s.srcEmpty.exclusive(), "source exclusive after 20 MiB");
            // A snapshot shares everything: it references ~20 MiB and owns ~nothing, and so does
            // the source now.
            assertTrue(s.snapFresh.exclusive() < SLACK, "fresh snapshot exclusive " + s.snapFresh);
            assertAbout(s.srcWritten.referenced(), s.snapFresh.referenced(), "fresh snapshot referenced");
            assertTrue(s.srcAfterSnap.exclusive() < SLACK, "source exclusive after the snapshot " + s.srcAfterSnap);
            assertAbout(10 * MIB, s.snapNewFile.exclusive() - s.snapFresh.exclusive(), "snapshot exclusive after 10 MiB");
            assertAbout(30 * MIB, s.snapNewFile.referenced(), "snapshot referenced after 10 MiB");
            assertAbout(4 * MIB, s.snapOverwrite.exclusive() - s.snapNewFile.exclusive(), "snapshot after a 4 MiB overwrite");
        }
    }

    @Test
    void enablingTwiceIsHarmlessAndKeepsTheMode() throws Exception {
        try (LoopBtrfs fs = LoopBtrfs.create(FS_SIZE)) {
            BtrfsQuota.Mode first = BtrfsQuota.enable(fs.mnt);
            Path sub = mkSubvolumeWith(fs.mnt.resolve("sub"), 3 * MIB);
            BtrfsQuota.sync(fs.mnt);
            Map<Long, BtrfsQuota.Usage> before = BtrfsQuota.usage(fs.mnt);

            assertEquals(first, BtrfsQuota.enable(fs.mnt));
            // Asking for the other mode while quotas are on changes nothing either.
            BtrfsQuota.Mode other = first == BtrfsQuota.Mode.SIMPLE ? BtrfsQuota.Mode.FULL : BtrfsQuota.Mode.SIMPLE;
            assertEquals(first, BtrfsQuota.enable(fs.mnt, other));
            BtrfsQuota.sync(fs.mnt);
            assertEquals(before.get(BtrfsQuota.subvolumeId(sub)), BtrfsQuota.usage(fs.mnt).get(BtrfsQuota.subvolumeId(sub)));

            // Off and on again: the numbers start over.
            BtrfsQuota.disable(fs.mnt);
            assertEquals(BtrfsQuota.Mode.OFF, BtrfsQuota.mode(fs.mnt));
            BtrfsQuota.disable(fs.mnt);
            assertEquals(BtrfsQuota.Mode.FULL, BtrfsQuota.enable(fs.mnt, BtrfsQuota.Mode.FULL));
            BtrfsQuota.waitForRescan(fs.mnt);
            BtrfsQuota.rescan(fs.mnt);
            BtrfsQuota.rescan(fs.mnt); // one already running (or just done) is fine
            BtrfsQuota.waitForRescan(fs.mnt);
            BtrfsQuota.sync(fs.mnt);
            assertAbout(3 * MIB, usageOf(fs, sub).exclusive(), "after re-enabling full qgroups and a rescan");
        }
    }

    @Test
    void subvolumeIdsAreTreeIds() throws Exception {
        try (LoopBtrfs fs = LoopBtrfs.create(FS_SIZE)) {
            assertEquals(5, BtrfsQuota.subvolumeId(fs.mnt)); // BTRFS_FS_TREE_OBJECTID
            Path a = fs.mnt.resolve("a");
            Btrfs.createSubvolume(a);
            Path b = fs.mnt.resolve("b");
            Btrfs.snapshot(a, b, true);
            long idA = BtrfsQuota.subvolumeId(a);
            long idB = BtrfsQuota.subvolumeId(b);
            assertTrue(idA >= 256, "first free objectid is 256: " + idA);
            assertNotEquals(idA, idB);
            // A plain directory answers with the subvolume that contains it.
            Path inner = Files.createDirectory(a.resolve("inner"));
            assertEquals(idA, BtrfsQuota.subvolumeId(inner));
            assertEquals(idA, cliSubvolumeId(a));
            assertEquals(idB, cliSubvolumeId(b));
        }
    }

    @Test
    void failuresNameTheCall() throws Exception {
        try (LoopBtrfs fs = LoopBtrfs.create(FS_SIZE)) {
            Path notBtrfs = Files.createDirectory(fs.dir.resolve("plain"));
            SysException enable = assertThrows(SysException.class, () -> BtrfsQuota.enable(notBtrfs));
            assertEquals("ioctl(BTRFS_IOC_QUOTA_CTL)", enable.call());
            assertEquals(notBtrfs.toString(), enable.path());
            assertEquals(Errno.ENOTTY, enable.errno(), enable.getMessage());

            SysException mode = assertThrows(SysException.class, () -> BtrfsQuota.mode(notBtrfs));
            assertEquals("ioctl(BTRFS_IOC_TREE_SEARCH)", mode.call());
            SysException id = assertThrows(SysException.class, () -> BtrfsQuota.subvolumeId(notBtrfs));
            assertEquals("ioctl(BTRFS_IOC_INO_LOOKUP)", id.call());
            SysException sync = assertThrows(SysException.class, () -> BtrfsQuota.sync(notBtrfs));
            assertEquals("ioctl(BTRFS_IOC_SYNC)", sync.call());

            // A missing path is not "quotas off".
            Path nowhere = fs.mnt.resolve("missing");
            SysException missing = assertThrows(SysException.class, () -> BtrfsQuota.usage(nowhere));
            assertEquals("open", missing.call());
            assertEquals(Errno.ENOENT, missing.errno());
            assertTrue(missing.getMessage().contains("No such file or directory"), missing.getMessage());
            assertEquals("open", assertThrows(SysException.class, () -> BtrfsQuota.mode(nowhere)).call());

            // Btrfs, but quotas off: there is no quota tree to read.
            SysException off = assertThrows(SysException.class, () -> BtrfsQuota.usage(fs.mnt));
            assertEquals("ioctl(BTRFS_IOC_TREE_SEARCH)", off.call());
            assertEquals(Errno.ENOENT, off.errno());
            assertTrue(off.getMessage().contains("quotas are not enabled"), off.getMessage());

            assertThrows(IllegalArgumentException.class, () -> BtrfsQuota.enable(fs.mnt, BtrfsQuota.Mode.OFF));
        }
    }

    @Test
    void usageListsEveryLevel0QgroupAcrossSearchBatches() throws Exception {
        try (LoopBtrfs fs = LoopBtrfs.create(FS_SIZE)) {
            BtrfsQuota.enable(fs.mnt);
            Path src = fs.mnt.resolve("src");
            Btrfs.createSubvolume(src);
            // A search returns at most ~55 info items (72 bytes each in a 3992-byte buffer).
            Map<Long, Path> ids = new HashMap<>();
            for (int i = 0; i < 130; i++) {
                Path snap = fs.mnt.resolve("s" + i);
                Btrfs.snapshot(src, snap, false);
                ids.put(BtrfsQuota.subvolumeId(snap), snap);
            }
            BtrfsQuota.sync(fs.mnt);
            Map<Long, BtrfsQuota.Usage> usage = BtrfsQuota.usage(fs.mnt);
            assertTrue(usage.keySet().containsAll(ids.keySet()), "missing qgroups");
            assertTrue(usage.containsKey(5L), "top-level subvolume");
            assertTrue(usage.containsKey(BtrfsQuota.subvolumeId(src)));
            assertEquals(cliUsage(fs.mnt).keySet(), usage.keySet());
        }
    }

    /** Usage of the source and of its writable snapshot at each stage of the clone scenario. */
    private record Scenario(BtrfsQuota.Usage srcEmpty, BtrfsQuota.Usage srcWritten, BtrfsQuota.Usage srcAfterSnap,
                            BtrfsQuota.Usage snapFresh, BtrfsQuota.Usage snapNewFile, BtrfsQuota.Usage snapOverwrite,
                            BtrfsQuota.Usage srcEnd, long deletedQgroupGoneAfterMs) {
    }

    /**
     * With quotas on: a subvolume gets 20 MiB, a writable snapshot of it gets a new 10 MiB file and
     * then overwrites 4 MiB of the shared 20 MiB file in place. Every stage is checked against
     * {@code btrfs qgroup show}.
     */
    private static Scenario runScenario(LoopBtrfs fs) throws IOException, InterruptedException {
        Path src = fs.mnt.resolve("src");
        Btrfs.createSubvolume(src);
        BtrfsQuota.sync(fs.mnt);
        BtrfsQuota.Usage srcEmpty = usageOf(fs, src);

        writeRandom(src.resolve("data"), 20 * MIB, 1);
        BtrfsQuota.sync(fs.mnt);
        BtrfsQuota.Usage srcWritten = usageOf(fs, src);

        Path snap = fs.mnt.resolve("snap");
        Btrfs.snapshot(src, snap, false);
        BtrfsQuota.sync(fs.mnt);
        BtrfsQuota.Usage srcAfterSnap = usageOf(fs, src);
        BtrfsQuota.Usage snapFresh = usageOf(fs, snap);

        writeRandom(snap.resolve("more"), 10 * MIB, 2);
        BtrfsQuota.sync(fs.mnt);
        BtrfsQuota.Usage snapNewFile = usageOf(fs, snap);

        try (FileChannel ch = FileChannel.open(snap.resolve("data"), StandardOpenOption.WRITE)) {
            byte[] block = new byte[(int) MIB];
            Random random = new Random(3);
            for (int i = 0; i < 4; i++) {
                random.nextBytes(block);
                ch.write(ByteBuffer.wrap(block), (8 + i) * MIB);
            }
        }
        BtrfsQuota.sync(fs.mnt);
        BtrfsQuota.Usage snapOverwrite = usageOf(fs, snap);
        BtrfsQuota.Usage srcEnd = usageOf(fs, src);

        // The oracle: the btrfs command reads the same items.
        Map<Long, BtrfsQuota.Usage> cli = cliUsage(fs.mnt);
        assertEquals(cli.get(BtrfsQuota.subvolumeId(src)), srcEnd, "btrfs qgroup show, source");
        assertEquals(cli.get(BtrfsQuota.subvolumeId(snap)), snapOverwrite, "btrfs qgroup show, snapshot");

        // Does a deleted subvolume's qgroup linger in usage()? Watch while the cleaner drops it.
        long snapId = BtrfsQuota.subvolumeId(snap);
        Btrfs.deleteSubvolume(snap);
        long t0 = System.nanoTime();
        long goneAfterMs = -1;
        while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5)) {
            BtrfsQuota.sync(fs.mnt);
            if (!BtrfsQuota.usage(fs.mnt).containsKey(snapId)) {
                goneAfterMs = (System.nanoTime() - t0) / 1_000_000;
                break;
            }
            Thread.sleep(50);
        }
        return new Scenario(srcEmpty, srcWritten, srcAfterSnap, snapFresh, snapNewFile, snapOverwrite, srcEnd,
                goneAfterMs);
    }

    private static void report(String mode, Scenario s) {
        System.out.printf("[BtrfsQuotaTest] %s quotas, usage (referenced/exclusive bytes):%n"
                        + "  source empty            %s%n  source + 20 MiB         %s%n  source after snapshot   %s%n"
                        + "  fresh snapshot          %s%n  snapshot + 10 MiB file  %s%n  snapshot 4 MiB rewrite  %s%n"
                        + "  source at the end       %s%n  qgroup of the deleted snapshot gone from usage() after: %s%n",
                mode, s.srcEmpty, s.srcWritten, s.srcAfterSnap, s.snapFresh, s.snapNewFile, s.snapOverwrite, s.srcEnd,
                s.deletedQgroupGoneAfterMs < 0 ? "still there after 5 s" : s.deletedQgroupGoneAfterMs + " ms");
    }

    private static Path mkSubvolumeWith(Path path, long bytes) throws IOException {
        Btrfs.createSubvolume(path);
        writeRandom(path.resolve("data"), bytes, 7);
        return path;
    }

    /** Incompressible data, so the numbers do not depend on a compress mount option. */
    private static void writeRandom(Path file, long bytes, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] block = new byte[(int) MIB];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long done = 0; done < bytes; done += block.length) {
                random.nextBytes(block);
                ch.write(ByteBuffer.wrap(block, 0, (int) Math.min(block.length, bytes - done)));
            }
        }
    }

    private static BtrfsQuota.Usage usageOf(LoopBtrfs fs, Path subvolume) throws SysException {
        long id = BtrfsQuota.subvolumeId(subvolume);
        BtrfsQuota.Usage u = BtrfsQuota.usage(fs.mnt).get(id);
        assertTrue(u != null, "no qgroup 0/" + id);
        return u;
    }

    private static void assertAbout(long expected, long actual, String what) {
        assertTrue(Math.abs(actual - expected) <= SLACK,
                what + ": expected about " + expected + " bytes, got " + actual + " (" + (actual - expected) + " off)");
    }

    private static boolean kernelAtLeast(int major, int minor) {
        String[] v = System.getProperty("os.version").split("[.-]");
        int ma = Integer.parseInt(v[0]);
        int mi = Integer.parseInt(v[1]);
        return ma > major || (ma == major && mi >= minor);
    }

    /** {@code /sys/fs/btrfs/<fsid>/qgroups/mode} ("qgroup", "squota"), found through the loop device. */
    private static String sysfsQgroupMode(LoopBtrfs fs) throws IOException {
        String loop = Path.of(Mounts.at(fs.mnt).orElseThrow().source()).getFileName().toString();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(Path.of("/sys/fs/btrfs"))) {
            for (Path d : all) {
                if (Files.exists(d.resolve("devices").resolve(loop))) {
                    return Files.readString(d.resolve("qgroups/mode")).strip();
                }
            }
        }
        throw new AssertionError("no sysfs directory for " + loop);
    }

    /** {@code btrfs qgroup show --raw}: level-0 qgroup id to usage. */
    private static Map<Long, BtrfsQuota.Usage> cliUsage(Path mnt) throws IOException, InterruptedException {
        Map<Long, BtrfsQuota.Usage> m = new HashMap<>();
        for (String line : run("btrfs", "qgroup", "show", "--raw", mnt.toString()).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[0].startsWith("0/")) {
                m.put(Long.parseLong(f[0].substring(2)), new BtrfsQuota.Usage(Long.parseLong(f[1]), Long.parseLong(f[2])));
            }
        }
        return m;
    }

    /** The "Subvolume ID:" line of {@code btrfs subvolume show}. */
    private static long cliSubvolumeId(Path subvolume) throws IOException, InterruptedException {
        for (String line : run("btrfs", "subvolume", "show", subvolume.toString()).split("\n")) {
            String t = line.trim();
            if (t.startsWith("Subvolume ID:")) {
                return Long.parseLong(t.substring("Subvolume ID:".length()).trim());
            }
        }
        throw new AssertionError("no Subvolume ID for " + subvolume);
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " hung");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }
}
