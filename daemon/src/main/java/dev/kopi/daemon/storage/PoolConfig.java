package dev.kopi.daemon.storage;

import java.nio.file.Path;

/**
 * The pool.
 *
 * @param backend "btrfs", "zfs", or null to detect from {@code path}
 * @param path    Btrfs mount point, or ZFS dataset name (no leading slash) for zfs
 * @param image   loop-file image for the embedded Btrfs pool, created when no pool exists at path
 * @param size    size of a new embedded image, bytes
 * @param minFree clones and snapshots are refused while less than this is free, bytes
 * @param quotas  Btrfs per-volume usage: "auto" (enable on the embedded pool, use where already
 *                on), "on" (enable), "off"
 */
public record PoolConfig(String backend, String path, Path image, long size, long minFree, String quotas) {
    public PoolConfig(String backend, String path, Path image, long size, long minFree) {
        this(backend, path, image, size, minFree, "auto");
    }

    /** Whether kopid should switch Btrfs quotas on for a pool ({@code embedded}: its own image). */
    public boolean quotas(boolean embedded) {
        return "on".equals(quotas) || "auto".equals(quotas) && embedded;
    }

    public boolean isZfs() {
        return "zfs".equals(backend);
    }
}
