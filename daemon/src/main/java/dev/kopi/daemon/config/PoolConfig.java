package dev.kopi.daemon.config;

import java.nio.file.Path;

/**
 * The pool.
 *
 * @param backend "btrfs", "zfs", or null to detect from {@code path}
 * @param path    Btrfs mount point, or ZFS dataset name (no leading slash) for zfs
 * @param image   loop-file image for the embedded Btrfs pool, created when no pool exists at path
 * @param size    size of a new embedded image, bytes
 * @param minFree clones and snapshots are refused while less than this is free, bytes
 */
public record PoolConfig(String backend, String path, Path image, long size, long minFree) {
    public boolean isZfs() {
        return "zfs".equals(backend);
    }
}
