package dev.kopi.sys;

import java.nio.file.Path;

import jnr.ffi.Pointer;

/**
 * What statfs(2) says about the filesystem holding a path.
 *
 * @param type      f_type, e.g. {@link Btrfs#SUPER_MAGIC}
 * @param blockSize f_bsize
 * @param blocks    f_blocks, total data blocks
 * @param free      f_bfree, free blocks
 * @param available f_bavail, free blocks available to unprivileged users
 */
public record Statfs(long type, long blockSize, long blocks, long free, long available) {
    /** statfs f_type of a FUSE filesystem (zfs-fuse). */
    public static final long FUSE_SUPER_MAGIC = 0x65735546L;
    /** statfs f_type of native ZFS (OpenZFS). */
    public static final long ZFS_SUPER_MAGIC = 0x2FC12FC1L;

    /** struct statfs on LP64 Linux: eleven longs, fsid (2 ints) at 56, spare after 88. */
    private static final int SIZE = 120;

    public static Statfs of(Path path) throws SysException {
        Pointer buf = Native.allocate(SIZE);
        String p = path.toString();
        Native.check("statfs", p, () -> Native.LIBC.statfs(p, buf));
        return new Statfs(buf.getLong(0) & 0xFFFFFFFFL, buf.getLong(8), buf.getLong(16), buf.getLong(24),
                buf.getLong(32));
    }

    public long sizeBytes() {
        return blocks * blockSize;
    }

    public long freeBytes() {
        return available * blockSize;
    }

    public long usedBytes() {
        return (blocks - free) * blockSize;
    }
}
