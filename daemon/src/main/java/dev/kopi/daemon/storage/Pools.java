package dev.kopi.daemon.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.kopi.daemon.KopiException;
import dev.kopi.daemon.config.PoolConfig;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.storage.btrfs.BtrfsBackend;
import dev.kopi.daemon.storage.btrfs.EmbeddedPool;
import dev.kopi.daemon.storage.zfs.ZfsBackend;
import dev.kopi.sys.Btrfs;
import dev.kopi.sys.Mounts;
import dev.kopi.sys.Statfs;

/** Opens the configured pool, choosing the backend when the config leaves it out. */
public final class Pools {
    private Pools() {
    }

    /**
     * ZFS when configured or when {@code path} is a dataset name. Otherwise Btrfs: the mount at
     * {@code path}, or the Btrfs directory {@code path} itself, or else the embedded loop-file
     * pool, created on first start.
     */
    public static StorageBackend open(PoolConfig config, ProcessRunner runner) {
        if (config.isZfs()) {
            return new ZfsBackend(config.path(), runner);
        }
        Path path = Path.of(config.path());
        try {
            boolean mounted = Mounts.at(path).isPresent();
            boolean onBtrfs = Files.isDirectory(path) && Statfs.of(path).type() == Btrfs.SUPER_MAGIC;
            if (!mounted && !onBtrfs) {
                EmbeddedPool.ensureMounted(path, config.image(), config.size(), runner);
            } else if (mounted && !onBtrfs) {
                throw KopiException.precondition("pool path " + path + " is mounted but not Btrfs; "
                        + "set pool.backend, or point pool.path at a Btrfs mount or an unused directory");
            }
        } catch (IOException e) {
            throw StorageErrors.wrap("open the pool at " + path, e);
        }
        return new BtrfsBackend(path);
    }

    /** Whether {@code config} uses the embedded loop-file pool right now. */
    public static boolean isEmbedded(PoolConfig config) {
        try {
            return !config.isZfs() && Mounts.at(Path.of(config.path()))
                    .map(m -> m.source().startsWith("/dev/loop")).orElse(false)
                    && dev.kopi.sys.LoopDevices.findByBackingFile(config.image()).isPresent();
        } catch (IOException e) {
            return false;
        }
    }
}
