package dev.kopi.daemon.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.storage.btrfs.BtrfsBackend;
import dev.kopi.daemon.storage.btrfs.EmbeddedPool;
import dev.kopi.daemon.storage.zfs.ZfsBackend;
import dev.kopi.sys.Btrfs;
import dev.kopi.sys.LoopDevices;
import dev.kopi.sys.Mounts;
import dev.kopi.sys.Statfs;

/** Opens the configured pool, choosing the backend when the config leaves it out. */
public final class Pools {
    private Pools() {
    }

    /**
     * ZFS when configured or when {@code path} is a dataset name. Otherwise Btrfs: the mount at
     * {@code path}; else the embedded image, whenever it exists (after a reboot its mount point
     * is an empty directory, which on a Btrfs root would otherwise pass for a pool); else the
     * Btrfs directory {@code path} itself; else a new embedded pool.
     */
    public static StorageBackend open(PoolConfig config, ProcessRunner runner) {
        if (config.isZfs()) {
            return new ZfsBackend(config.path(), runner);
        }
        Path path = Path.of(config.path());
        try {
            Optional<Mounts.Mount> mount = Mounts.at(path);
            if (mount.isPresent()) {
                if (!mount.get().fsType().equals("btrfs")) {
                    throw KopiException.precondition("pool path " + path + " is a " + mount.get().fsType()
                            + " mount, not Btrfs; set pool.backend, or point pool.path at a Btrfs mount or an unused directory");
                }
                boolean embedded = LoopDevices.findByBackingFile(config.image())
                        .map(d -> d.toString().equals(mount.get().source())).orElse(false);
                return new BtrfsBackend(path, embedded ? config.image() : null).useQuotas(config.quotas(embedded));
            }
            boolean onBtrfs = Files.isDirectory(path) && Statfs.of(path).type() == Btrfs.SUPER_MAGIC;
            if (Files.exists(config.image()) || !onBtrfs) {
                EmbeddedPool.ensureMounted(path, config.image(), config.size(), runner);
                return new BtrfsBackend(path, config.image()).useQuotas(config.quotas(true));
            }
            return new BtrfsBackend(path, null).useQuotas(config.quotas(false));
        } catch (IOException e) {
            throw StorageErrors.wrap("open the pool at " + path, e);
        }
    }
}
