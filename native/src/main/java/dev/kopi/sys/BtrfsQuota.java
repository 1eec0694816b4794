package dev.kopi.sys;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

import jnr.ffi.Pointer;

/**
 * Per-subvolume space usage on Btrfs through quota groups, read with ioctls as the kernel's
 * {@code linux/btrfs.h} defines them. The {@code btrfs} command is never used here.
 *
 * <p>Every subvolume has a level-0 qgroup whose id is the subvolume id; the kernel creates it
 * with the subvolume while quotas are on. What its two numbers mean depends on the {@link Mode}:
 * <ul>
 * <li>{@link Mode#FULL} (classic qgroups) tracks sharing: {@code referenced} is every byte the
 * subvolume can reach, {@code exclusive} only the bytes no other subvolume shares. A fresh
 * snapshot references all of its source and owns almost nothing; the source loses its exclusive
 * bytes at the same moment, because they are now shared. Sharing is per extent: when a clone
 * rewrites part of a shared extent the rest of it stays shared, so the source's exclusive does not
 * grow back. Every extent change costs a backref walk at commit time, and enabling starts a rescan
 * of the whole filesystem.</li>
 * <li>{@link Mode#SIMPLE} (squota, Linux 6.7+) charges each extent to the subvolume that wrote
 * it, for as long as the extent lives, and never looks at sharing: {@code referenced} equals
 * {@code exclusive}, a fresh snapshot is charged only for its own new metadata, and the source
 * keeps being charged for the data it wrote even when only snapshots still use it, deleted or
 * not. Extents already on disk when quotas were enabled are charged to nobody (data still in the
 * page cache then is charged when it is written back). It is cheap and needs no rescan.</li>
 * </ul>
 * For a clone, "bytes it wrote since it was cloned" is {@code exclusive} in both modes.
 *
 * <p>The numbers are updated when a transaction commits; call {@link #sync} first to read
 * current ones. Enabling, disabling and reading the quota tree need CAP_SYS_ADMIN.
 */
public final class BtrfsQuota {
    private static final int MAGIC = 0x94;

    /** struct btrfs_ioctl_quota_ctl_args: __u64 cmd; __u64 status. */
    private static final int QUOTA_CTL_ARGS_SIZE = 16;
    /** struct btrfs_ioctl_ino_lookup_args: __u64 treeid; __u64 objectid; char name[4080]. */
    private static final int INO_LOOKUP_ARGS_SIZE = 4096;
    /** struct btrfs_ioctl_search_args: a 104-byte search key, then the result buffer. */
    private static final int SEARCH_ARGS_SIZE = 4096;
    /** struct btrfs_ioctl_quota_rescan_args: __u64 flags, progress, reserved[6]. */
    private static final int RESCAN_ARGS_SIZE = 64;

    static final long IOC_SYNC = Native.io(MAGIC, 8);
    static final long IOC_TREE_SEARCH = Native.iowr(MAGIC, 17, SEARCH_ARGS_SIZE);
    static final long IOC_INO_LOOKUP = Native.iowr(MAGIC, 18, INO_LOOKUP_ARGS_SIZE);
    static final long IOC_QUOTA_CTL = Native.iowr(MAGIC, 40, QUOTA_CTL_ARGS_SIZE);
    static final long IOC_QUOTA_RESCAN = Native.iow(MAGIC, 44, RESCAN_ARGS_SIZE);
    static final long IOC_QUOTA_RESCAN_WAIT = Native.io(MAGIC, 46);

    private static final long QUOTA_CTL_ENABLE = 1;
    private static final long QUOTA_CTL_DISABLE = 2;
    private static final long QUOTA_CTL_ENABLE_SIMPLE_QUOTA = 4;

    /* struct btrfs_ioctl_search_key field offsets. */
    private static final int KEY_TREE_ID = 0;
    private static final int KEY_MIN_OBJECTID = 8;
    private static final int KEY_MAX_OBJECTID = 16;
    private static final int KEY_MIN_OFFSET = 24;
    private static final int KEY_MAX_OFFSET = 32;
    private static final int KEY_MIN_TRANSID = 40;
    private static final int KEY_MAX_TRANSID = 48;
    private static final int KEY_MIN_TYPE = 56;
    private static final int KEY_MAX_TYPE = 60;
    private static final int KEY_NR_ITEMS = 64;
    private static final int KEY_SIZE = 104;
    /** struct btrfs_ioctl_search_header: transid, objectid, offset (u64); type, len (u32). */
    private static final int HEADER_SIZE = 32;
    /** Ask for as many items as fit; the kernel stops when the buffer is full. */
    private static final int MAX_ITEMS = 4096;
    private static final String SEARCH_CALL = "ioctl(BTRFS_IOC_TREE_SEARCH)";

    private static final long QUOTA_TREE_OBJECTID = 8;
    private static final int QGROUP_STATUS_KEY = 240;
    private static final int QGROUP_INFO_KEY = 242;
    /** A qgroup id is level (16 bits) and subvolume id (48 bits); level 0 is one subvolume. */
    private static final long LEVEL0_MAX_ID = (1L << 48) - 1;

    /** struct btrfs_qgroup_status_item: version, generation, flags, rescan, enable_gen. */
    private static final int STATUS_FLAGS_OFFSET = 16;
    private static final long STATUS_FLAG_ON = 1L;
    private static final long STATUS_FLAG_RESCAN = 1L << 1;
    private static final long STATUS_FLAG_INCONSISTENT = 1L << 2;
    private static final long STATUS_FLAG_SIMPLE_MODE = 1L << 3;
    /** struct btrfs_qgroup_info_item: generation, rfer, rfer_cmpr, excl, excl_cmpr. */
    private static final int INFO_ITEM_SIZE = 40;
    private static final int INFO_RFER_OFFSET = 8;
    private static final int INFO_EXCL_OFFSET = 24;

    private BtrfsQuota() {
    }

    /** Which quota accounting a filesystem runs. */
    public enum Mode {
        /** Quotas are disabled: there is no quota tree and no usage to read. */
        OFF,
        /** Classic qgroups: shared and exclusive bytes are tracked by walking backrefs. */
        FULL,
        /** Simple quotas: every extent is charged to the subvolume that allocated it. */
        SIMPLE
    }

    /**
     * The state recorded in the quota tree's status item.
     *
     * @param mode         which accounting is on
     * @param inconsistent the numbers are known to be wrong until a {@link #rescan} finishes
     *                     (full mode only: after enabling, or when the kernel gave up tracking
     *                     a large subtree deletion)
     * @param rescanning   a rescan is running
     */
    public record Status(Mode mode, boolean inconsistent, boolean rescanning) {
    }

    /**
     * Space charged to one subvolume's level-0 qgroup, in bytes.
     *
     * @param referenced all data and metadata the subvolume uses (see the class comment for what
     *                   each mode counts)
     * @param exclusive  the part of it no other subvolume is charged for
     */
    public record Usage(long referenced, long exclusive) {
    }

    /**
     * Turns quotas on for the filesystem holding {@code mountPoint}, preferring simple quotas and
     * falling back to full qgroups on kernels that do not know them. Harmless when quotas are
     * already on: the kernel keeps the mode it has. Returns the mode now active.
     */
    public static Mode enable(Path mountPoint) throws SysException {
        return enable(mountPoint, Mode.SIMPLE);
    }

    /**
     * Turns quotas on in {@code preferred} mode ({@link Mode#SIMPLE} or {@link Mode#FULL}).
     * Simple quotas fall back to full ones when the kernel refuses them (before 6.7 it does not
     * know the command). Quotas that are already on stay in the mode they have, so the result can
     * differ from {@code preferred}. After enabling full qgroups the kernel rescans the filesystem
     * in the background; {@link #waitForRescan} waits for correct numbers.
     */
    public static Mode enable(Path mountPoint, Mode preferred) throws SysException {
        if (preferred == Mode.OFF) {
            throw new IllegalArgumentException("enable(OFF): use disable()");
        }
        if (preferred == Mode.SIMPLE) {
            try {
                quotaCtl(mountPoint, QUOTA_CTL_ENABLE_SIMPLE_QUOTA);
                return mode(mountPoint);
            } catch (SysException e) {
                // EINVAL: a kernel before 6.7 (unknown command) or one that cannot run squotas on
                // this filesystem; EOPNOTSUPP: built or configured without them.
                if (e.errno() != Errno.EINVAL && e.errno() != Errno.EOPNOTSUPP) {
                    throw e;
                }
            }
        }
        quotaCtl(mountPoint, QUOTA_CTL_ENABLE);
        return mode(mountPoint);
    }

    /** Turns quotas off and drops the quota tree with all its numbers. Harmless when they are off. */
    public static void disable(Path mountPoint) throws SysException {
        quotaCtl(mountPoint, QUOTA_CTL_DISABLE);
    }

    /** Which quota accounting the filesystem holding {@code mountPoint} runs. */
    public static Mode mode(Path mountPoint) throws SysException {
        return status(mountPoint).mode();
    }

    /**
     * The quota status item of the filesystem holding {@code mountPoint}. Read from the quota
     * tree itself rather than sysfs, which a container may not mount and which older kernels
     * lack the {@code qgroups/mode} file in.
     */
    public static Status status(Path mountPoint) throws SysException {
        long[] flags = {0};
        boolean[] found = {false};
        boolean quotaTree = search(mountPoint, QUOTA_TREE_OBJECTID, 0, QGROUP_STATUS_KEY, 0, 0, (offset, item, at, len) -> {
            if (len >= STATUS_FLAGS_OFFSET + 8) {
                flags[0] = item.getLong(at + STATUS_FLAGS_OFFSET);
                found[0] = true;
            }
        });
        if (!quotaTree) {
            // The quota tree exists only while quotas are on: disabling deletes it.
            return new Status(Mode.OFF, false, false);
        }
        if (!found[0] || (flags[0] & STATUS_FLAG_ON) == 0) {
            return new Status(Mode.OFF, false, false);
        }
        Mode mode = (flags[0] & STATUS_FLAG_SIMPLE_MODE) != 0 ? Mode.SIMPLE : Mode.FULL;
        return new Status(mode, (flags[0] & STATUS_FLAG_INCONSISTENT) != 0, (flags[0] & STATUS_FLAG_RESCAN) != 0);
    }

    /**
     * The subvolume (tree) id of the subvolume containing the directory {@code path}; for a
     * subvolume's root directory, that subvolume's own id. Needs no privilege.
     */
    public static long subvolumeId(Path path) throws SysException {
        Pointer args = Native.allocate(INO_LOOKUP_ARGS_SIZE);
        // treeid 0 means "the tree of the inode the ioctl is called on"; the kernel fills it in.
        // With the root directory's objectid it answers at once, without the CAP_SYS_ADMIN
        // check a path lookup needs.
        args.putLong(0, 0);
        args.putLong(8, Btrfs.SUBVOLUME_ROOT_INODE);
        try (Fd dir = Fd.openDirectory(path)) {
            Native.check("ioctl(BTRFS_IOC_INO_LOOKUP)", path.toString(),
                    () -> Native.LIBC.ioctl(dir.fd, IOC_INO_LOOKUP, args));
        }
        return args.getLong(0);
    }

    /**
     * The usage of every level-0 qgroup on the filesystem holding {@code mountPoint}, keyed by
     * subvolume id (5 is the top-level subvolume). Enabling quotas gives every existing subvolume
     * a qgroup. A deleted subvolume's qgroup stays listed until the cleaner has dropped its tree,
     * and in simple mode for as long as other subvolumes still use extents it wrote (it keeps
     * that charge); ids with no subvolume behind them are therefore normal. Fails with ENOENT
     * when quotas are off.
     */
    public static Map<Long, Usage> usage(Path mountPoint) throws SysException {
        Map<Long, Usage> usage = new TreeMap<>();
        boolean quotaTree = search(mountPoint, QUOTA_TREE_OBJECTID, 0, QGROUP_INFO_KEY, 0, LEVEL0_MAX_ID,
                (offset, item, at, len) -> {
            if (len >= INFO_ITEM_SIZE) {
                // Item bodies are little-endian; Pointer reads native order, the same on the
                // x86_64 and aarch64 hosts Kopi runs on.
                usage.put(offset,
                        new Usage(item.getLong(at + INFO_RFER_OFFSET), item.getLong(at + INFO_EXCL_OFFSET)));
            }
        });
        if (!quotaTree) {
            throw new SysException(SEARCH_CALL, mountPoint.toString(), Errno.ENOENT,
                    "quotas are not enabled (no quota tree)");
        }
        return Collections.unmodifiableMap(usage);
    }

    /**
     * Commits the current transaction of the filesystem holding {@code path} (BTRFS_IOC_SYNC),
     * which is when qgroup numbers are brought up to date. Also flushes dirty data, so writes
     * made just before are charged.
     */
    public static void sync(Path path) throws SysException {
        try (Fd fd = Fd.openDirectory(path)) {
            Native.check("ioctl(BTRFS_IOC_SYNC)", path.toString(), () -> Native.LIBC.ioctl(fd.fd, IOC_SYNC, 0L));
        }
    }

    /**
     * Starts recounting all full-mode qgroups from scratch in the background, which clears the
     * {@link Status#inconsistent} flag when it finishes. Harmless when one is already running.
     * Simple quotas cannot be rescanned: the kernel refuses with EINVAL.
     */
    public static void rescan(Path mountPoint) throws SysException {
        Pointer args = Native.allocate(RESCAN_ARGS_SIZE);
        try (Fd fd = Fd.openDirectory(mountPoint)) {
            Native.check("ioctl(BTRFS_IOC_QUOTA_RESCAN)", mountPoint.toString(),
                    () -> Native.LIBC.ioctl(fd.fd, IOC_QUOTA_RESCAN, args));
        } catch (SysException e) {
            if (e.errno() != Errno.EINPROGRESS) {
                throw e;
            }
        }
    }

    /** Waits until a running rescan (the one enabling full qgroups starts, too) has finished. */
    public static void waitForRescan(Path mountPoint) throws SysException {
        try (Fd fd = Fd.openDirectory(mountPoint)) {
            Native.check("ioctl(BTRFS_IOC_QUOTA_RESCAN_WAIT)", mountPoint.toString(),
                    () -> Native.LIBC.ioctl(fd.fd, IOC_QUOTA_RESCAN_WAIT, 0L));
        }
    }

    private static void quotaCtl(Path mountPoint, long cmd) throws SysException {
        Pointer args = Native.allocate(QUOTA_CTL_ARGS_SIZE);
        args.putLong(0, cmd);
        try (Fd fd = Fd.openDirectory(mountPoint)) {
            Native.check("ioctl(BTRFS_IOC_QUOTA_CTL)", mountPoint.toString(),
                    () -> Native.LIBC.ioctl(fd.fd, IOC_QUOTA_CTL, args));
        }
    }

    /** Receives one item found by {@link #search}: its key offset and its body at {@code item + at}. */
    @FunctionalInterface
    interface ItemVisitor {
        void visit(long offset, Pointer item, int at, int len);
    }

    /**
     * Visits the items ({@code objectid}, {@code type}, minOffset..maxOffset) of tree
     * {@code treeId} in key order with BTRFS_IOC_TREE_SEARCH, as many as fit the 4 KiB buffer
     * per call. Returns false, having visited nothing, when the filesystem has no such tree.
     */
    static boolean search(Path mountPoint, long treeId, long objectid, int type, long minOffset, long maxOffset,
                          ItemVisitor visitor) throws SysException {
        Pointer args = Native.allocate(SEARCH_ARGS_SIZE);
        long offset = minOffset;
        try (Fd fd = Fd.openDirectory(mountPoint)) {
            while (true) {
                // The kernel writes back into the key (nr_items at least): set all of it each time.
                args.putLong(KEY_TREE_ID, treeId);
                args.putLong(KEY_MIN_OBJECTID, objectid);
                args.putLong(KEY_MAX_OBJECTID, objectid);
                args.putLong(KEY_MIN_OFFSET, offset);
                args.putLong(KEY_MAX_OFFSET, maxOffset);
                args.putLong(KEY_MIN_TRANSID, 0);
                args.putLong(KEY_MAX_TRANSID, -1L);
                args.putInt(KEY_MIN_TYPE, type);
                args.putInt(KEY_MAX_TYPE, type);
                args.putInt(KEY_NR_ITEMS, MAX_ITEMS);
                try {
                    Native.check(SEARCH_CALL, mountPoint.toString(),
                            () -> Native.LIBC.ioctl(fd.fd, IOC_TREE_SEARCH, args));
                } catch (SysException e) {
                    if (e.errno() == Errno.ENOENT) {
                        return false; // the kernel found no tree with this id
                    }
                    throw e;
                }
                int items = args.getInt(KEY_NR_ITEMS);
                if (items == 0) {
                    return true;
                }
                int at = KEY_SIZE;
                long last = 0;
                for (int i = 0; i < items; i++) {
                    long key = args.getLong(at + 8);
                    last = args.getLong(at + 16);
                    int itemType = args.getInt(at + 24);
                    int len = args.getInt(at + 28);
                    // The kernel returns every key in the interval [min key, max key] of
                    // (objectid, type, offset); with objectid and type pinned that is only this
                    // type, but check rather than trust the range.
                    if (key == objectid && itemType == type) {
                        visitor.visit(last, args, at + HEADER_SIZE, len);
                    }
                    at += HEADER_SIZE + len;
                }
                if (Long.compareUnsigned(last, maxOffset) >= 0) {
                    return true; // the last possible key was returned; last + 1 would wrap
                }
                // Continue right after the last key returned.
                offset = last + 1;
            }
        }
    }
}
