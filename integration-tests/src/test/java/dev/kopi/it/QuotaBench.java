package dev.kopi.it;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import dev.kopi.sys.Btrfs;
import dev.kopi.sys.BtrfsQuota;
import dev.kopi.sys.LoopDevices;
import dev.kopi.sys.Mounts;
import dev.kopi.sys.SysException;

/**
 * The quota benchmark (run by {@code scripts/bench quotas}, not by the test suite): what Btrfs
 * quota accounting costs snapshots, with the native module's Btrfs and BtrfsQuota calls. Each
 * measurement gets a fresh 1 GiB Btrfs in a sparse file on a loop device, with quotas off, simple
 * or full: a subvolume of 400 files (4-32 KiB), then 50 writable snapshots of it and a sync
 * (quota accounting happens at commit: it is counted), then 50 deletes and a sync (the cleaner
 * frees them later). BENCH_RUNS rounds (default 3) with the modes interleaved, because a single
 * run on a shared host swings by a factor of two. Prints a Markdown table of the medians and each
 * mode's ratio to quotas off in the same run. As root.
 */
public final class QuotaBench {
    private static final long FS_SIZE = 1L << 30;
    private static final int FILES = 400;
    private static final int SNAPSHOTS = 50;
    private static final List<BtrfsQuota.Mode> MODES =
            List.of(BtrfsQuota.Mode.OFF, BtrfsQuota.Mode.SIMPLE, BtrfsQuota.Mode.FULL);

    private final RunDir run;
    /** Milliseconds per round, by the mode that was actually on (SIMPLE falls back to FULL before Linux 6.7). */
    private final Map<BtrfsQuota.Mode, List<Double>> createMs = new EnumMap<>(BtrfsQuota.Mode.class);
    private final Map<BtrfsQuota.Mode, List<Double>> deleteMs = new EnumMap<>(BtrfsQuota.Mode.class);
    private final List<String> notes = new ArrayList<>();

    private QuotaBench(RunDir run) {
        this.run = run;
    }

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(System.getenv().getOrDefault("BENCH_RUNS", "3"));
        RunDir run = RunDir.create();
        QuotaBench bench = new QuotaBench(run);
        try {
            for (int round = 1; round <= runs; round++) {
                for (BtrfsQuota.Mode mode : MODES) {
                    bench.measure(round, mode);
                }
            }
        } finally {
            run.delete();
        }
        bench.print(runs);
    }

    /** One round of one mode on its own filesystem, torn down (mount, loop device, image) whatever happens. */
    private void measure(int round, BtrfsQuota.Mode mode) throws IOException, InterruptedException {
        Path image = run.resolve("quotas.img");
        Path mnt = Files.createDirectories(run.resolve("mnt"));
        try {
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(FS_SIZE);
            }
            Sh.ok("mkfs.btrfs", "-q", "-f", image.toString());
            try (LoopDevices.Attached loop = LoopDevices.attach(image)) {
                Mounts.mount(loop.device().toString(), mnt, "btrfs", Mounts.MS_NOATIME, null);
            }
            BtrfsQuota.Mode active = BtrfsQuota.Mode.OFF;
            if (mode != BtrfsQuota.Mode.OFF) {
                active = BtrfsQuota.enable(mnt, mode);
                BtrfsQuota.waitForRescan(mnt);
                if (active != mode && round == 1) {
                    notes.add("quotas " + name(mode) + " are not available here: measured as " + name(active));
                }
            }
            Path src = mnt.resolve("src");
            Btrfs.createSubvolume(src);
            Random random = new Random(42);
            for (int i = 0; i < FILES; i++) {
                byte[] data = new byte[4096 + random.nextInt(28 * 1024)];
                random.nextBytes(data);
                Files.write(src.resolve("f" + i), data);
            }
            BtrfsQuota.sync(mnt);

            long t0 = System.nanoTime();
            for (int i = 0; i < SNAPSHOTS; i++) {
                Btrfs.snapshot(src, mnt.resolve("clone" + i), false);
            }
            BtrfsQuota.sync(mnt);
            long t1 = System.nanoTime();
            for (int i = 0; i < SNAPSHOTS; i++) {
                Btrfs.deleteSubvolume(mnt.resolve("clone" + i));
            }
            BtrfsQuota.sync(mnt);
            long t2 = System.nanoTime();

            createMs.computeIfAbsent(active, m -> new ArrayList<>()).add((t1 - t0) / 1e6);
            deleteMs.computeIfAbsent(active, m -> new ArrayList<>()).add((t2 - t1) / 1e6);
            System.err.printf(Locale.ROOT, "bench: round %d, quotas %s: %d snapshots + sync %.0f ms, %d deletes + sync"
                    + " %.0f ms%n", round, name(active), SNAPSHOTS, (t1 - t0) / 1e6, SNAPSHOTS, (t2 - t1) / 1e6);
        } finally {
            tearDown(image, mnt);
        }
    }

    /** Unmounts, makes sure the loop device is gone (autoclear should have detached it), deletes the image. */
    private static void tearDown(Path image, Path mnt) throws IOException, InterruptedException {
        try {
            if (Mounts.at(mnt).isPresent()) {
                try {
                    Mounts.unmount(mnt, 0);
                } catch (SysException busy) {
                    Mounts.unmount(mnt, Mounts.MNT_DETACH);
                }
            }
            Optional<Path> loop = LoopDevices.findByBackingFile(image);
            for (int i = 0; i < 50 && loop.isPresent(); i++) {
                Thread.sleep(20); // the kernel releases the device just after umount2 returns
                loop = LoopDevices.findByBackingFile(image);
            }
            if (loop.isPresent()) {
                LoopDevices.detach(loop.get());
            }
        } finally {
            Files.deleteIfExists(image);
        }
    }

    private void print(int runs) {
        List<Double> offCreate = createMs.get(BtrfsQuota.Mode.OFF);
        List<Double> offDelete = deleteMs.get(BtrfsQuota.Mode.OFF);
        System.out.println();
        System.out.printf(Locale.ROOT, "Kopi quota benchmark: %d writable snapshots of a %d-file subvolume, then %d"
                        + " deletes, each followed by a sync; median of %d runs; kernel %s%n%n",
                SNAPSHOTS, FILES, SNAPSHOTS, runs, System.getProperty("os.version"));
        System.out.println("| quotas | snapshots + sync ms | per snapshot ms | vs off | deletes + sync ms | vs off |"
                + " runs (snapshots ms) |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (BtrfsQuota.Mode mode : MODES) {
            List<Double> create = createMs.get(mode);
            if (create == null) {
                continue;
            }
            double c = median(create);
            double d = median(deleteMs.get(mode));
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.2f | %.2fx | %.0f | %.2fx | %s |%n", name(mode), c,
                    c / SNAPSHOTS, c / median(offCreate), d, d / median(offDelete), list(create));
        }
        if (!notes.isEmpty()) {
            System.out.println();
            notes.forEach(n -> System.out.println("- " + n));
        }
    }

    private static String name(BtrfsQuota.Mode mode) {
        return mode.name().toLowerCase(Locale.ROOT);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String list(List<Double> values) {
        return String.join(", ", values.stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList());
    }
}
