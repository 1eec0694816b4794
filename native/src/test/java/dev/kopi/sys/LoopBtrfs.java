package dev.kopi.sys;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A fresh Btrfs filesystem in a sparse file under a new temporary directory, mounted on a loop
 * device with autoclear. {@link #close} unmounts it and deletes the directory; the loop device
 * goes away with the mount. Needs root (CAP_SYS_ADMIN), a loop device and mkfs.btrfs.
 */
final class LoopBtrfs implements AutoCloseable {
    /** The temporary directory holding the image and the mount point; unique per instance. */
    final Path dir;
    final Path image;
    final Path mnt;
    private boolean loopLeftBound;

    private LoopBtrfs(Path dir, Path image, Path mnt) {
        this.dir = dir;
        this.image = image;
        this.mnt = mnt;
    }

    /** Makes and mounts a filesystem of {@code sizeBytes} (sparse), passing {@code mkfsOptions}. */
    static LoopBtrfs create(long sizeBytes, String... mkfsOptions) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("kopi-native-");
        LoopBtrfs fs = new LoopBtrfs(dir, dir.resolve("fs.img"), dir.resolve("mnt"));
        try {
            Files.createDirectory(fs.mnt);
            try (RandomAccessFile f = new RandomAccessFile(fs.image.toFile(), "rw")) {
                f.setLength(sizeBytes);
            }
            List<String> mkfs = new ArrayList<>(List.of("mkfs.btrfs", "-q"));
            mkfs.addAll(List.of(mkfsOptions));
            mkfs.add(fs.image.toString());
            Process p = new ProcessBuilder(mkfs).inheritIO().start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("mkfs.btrfs failed: " + mkfs);
            }
            try (LoopDevices.Attached loop = LoopDevices.attach(fs.image)) {
                Mounts.mount(loop.device().toString(), fs.mnt, "btrfs", Mounts.MS_NOATIME, null);
            }
            return fs;
        } catch (IOException | InterruptedException | RuntimeException e) {
            fs.close();
            throw e;
        }
    }

    /**
     * Whether the last {@link #close} found a loop device still bound to the image after
     * unmounting (it then detached it itself). Autoclear should have done that already.
     */
    boolean loopDeviceWasLeftBound() {
        return loopLeftBound;
    }

    @Override
    public void close() throws IOException {
        try {
            if (Mounts.at(mnt).isPresent()) {
                try {
                    Mounts.unmount(mnt, 0);
                } catch (SysException e) {
                    // Something still holds it (EBUSY): detach lazily so neither the mount nor,
                    // through autoclear, the loop device outlives the test run.
                    Mounts.unmount(mnt, Mounts.MNT_DETACH);
                }
            }
            // Look while the image still exists: findByBackingFile matches on its real path.
            Optional<Path> loop = LoopDevices.findByBackingFile(image);
            for (int i = 0; i < 50 && loop.isPresent(); i++) {
                sleep(); // the kernel releases the device just after umount2 returns
                loop = LoopDevices.findByBackingFile(image);
            }
            if (loop.isPresent()) {
                loopLeftBound = true;
                LoopDevices.detach(loop.get());
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
