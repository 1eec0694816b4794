package dev.kopi.daemon.storage.btrfs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.storage.StorageErrors;
import dev.kopi.sys.Btrfs;
import dev.kopi.sys.LoopDevices;
import dev.kopi.sys.Mounts;
import dev.kopi.sys.Statfs;

/**
 * The default pool: a sparse image file formatted as Btrfs, attached to a loop device and
 * mounted, all natively except {@code mkfs.btrfs}. Idempotent: an existing image is reused and
 * an existing mount is left alone. The loop device is attached with autoclear, so unmounting the
 * pool is all it takes to release it.
 */
public final class EmbeddedPool {
    private static final Logger LOG = Logger.getLogger(EmbeddedPool.class.getName());

    private EmbeddedPool() {
    }

    /**
     * No set-uid program and no device node in a clone works as one: a holder who makes them in
     * their clone gains nothing from them.
     */
    static final long MOUNT_FLAGS = Mounts.MS_NOATIME | Mounts.MS_NOSUID | Mounts.MS_NODEV;

    /** Makes sure a Btrfs filesystem is mounted at {@code mountPoint}, creating the image if needed. */
    public static void ensureMounted(Path mountPoint, Path image, long size, ProcessRunner runner) {
        try {
            Optional<Mounts.Mount> mounted = Mounts.at(mountPoint);
            if (mounted.isPresent()) {
                if (!mounted.get().fsType().equals("btrfs")) {
                    throw KopiException.precondition("pool path " + mountPoint + " is a " + mounted.get().fsType()
                            + " mount, not Btrfs: unmount it or choose another pool.path");
                }
                return;
            }
            Files.createDirectories(mountPoint);
            boolean fresh = !Files.exists(image);
            if (fresh) {
                create(image, size, runner);
            }
            Optional<Path> bound = LoopDevices.findByBackingFile(image);
            if (bound.isPresent()) {
                // Attached but not mounted (e.g. a crash between attach and mount): mount it.
                Mounts.mount(bound.get().toString(), mountPoint, "btrfs", MOUNT_FLAGS, null);
            } else {
                try (LoopDevices.Attached loop = LoopDevices.attach(image)) {
                    Mounts.mount(loop.device().toString(), mountPoint, "btrfs", MOUNT_FLAGS, null);
                }
            }
            if (Statfs.of(mountPoint).type() != Btrfs.SUPER_MAGIC) {
                throw KopiException.internal("mounted " + image + " at " + mountPoint + " but it is not Btrfs", null);
            }
            LOG.info((fresh ? "created and mounted" : "mounted") + " embedded Btrfs pool " + image + " at " + mountPoint);
        } catch (IOException e) {
            throw StorageErrors.wrap("set up the embedded pool " + image + " at " + mountPoint, e);
        }
    }

    /** Formats a new image under a temporary name and renames it: an image that exists is complete. */
    private static void create(Path image, long size, ProcessRunner runner) throws IOException {
        Files.createDirectories(image.toAbsolutePath().getParent());
        Path tmp = image.resolveSibling(image.getFileName() + ".new");
        Files.deleteIfExists(tmp); // a half-made one from a kopid killed while formatting
        try (RandomAccessFile f = new RandomAccessFile(tmp.toFile(), "rw")) {
            f.setLength(size); // sparse: takes no space until written
        }
        ProcessRunner.Result r;
        try {
            r = runner.run(List.of("mkfs.btrfs", "-q", "-L", "kopi", tmp.toString()), Duration.ofMinutes(2));
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw KopiException.precondition("cannot run mkfs.btrfs to create the embedded pool (install btrfs-progs): "
                    + e.getMessage());
        }
        if (!r.ok()) {
            Files.deleteIfExists(tmp);
            throw KopiException.internal("cannot format the embedded pool " + image + ": " + r.describe(), null);
        }
        Files.move(tmp, image, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Unmounts the pool; the loop device detaches itself (autoclear). */
    public static void unmount(Path mountPoint) throws IOException {
        if (Mounts.at(mountPoint).isPresent()) {
            Mounts.unmount(mountPoint, 0);
        }
    }
}
