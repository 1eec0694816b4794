package dev.kopi.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jnr.ffi.Pointer;

/**
 * Btrfs subvolume operations through ioctls on the parent directory, as the kernel's
 * {@code linux/btrfs.h} defines them. The {@code btrfs} command is never used here.
 */
public final class Btrfs {
    /** statfs f_type of a Btrfs filesystem. */
    public static final long SUPER_MAGIC = 0x9123683EL;
    /** Inode number of every subvolume's root directory (BTRFS_FIRST_FREE_OBJECTID). */
    static final long SUBVOLUME_ROOT_INODE = 256;

    private static final int MAGIC = 0x94;
    /** struct btrfs_ioctl_vol_args: __s64 fd; char name[4088]. */
    private static final int VOL_ARGS_SIZE = 4096;
    /** struct btrfs_ioctl_vol_args_v2: fd, transid, flags, 4 x u64 union, char name[4040]. */
    private static final int VOL_ARGS_V2_SIZE = 4096;
    private static final int V2_FLAGS_OFFSET = 16;
    private static final int V2_NAME_OFFSET = 56;
    private static final int V2_NAME_MAX = 4039;
    private static final int V1_NAME_MAX = 4087;

    static final long IOC_SUBVOL_CREATE = Native.iow(MAGIC, 14, VOL_ARGS_SIZE);
    static final long IOC_SNAP_DESTROY = Native.iow(MAGIC, 15, VOL_ARGS_SIZE);
    static final long IOC_SNAP_CREATE_V2 = Native.iow(MAGIC, 23, VOL_ARGS_V2_SIZE);
    static final long IOC_SUBVOL_GETFLAGS = Native.ior(MAGIC, 25, 8);
    static final long IOC_SUBVOL_SETFLAGS = Native.iow(MAGIC, 26, 8);
    static final long IOC_SNAP_DESTROY_V2 = Native.iow(MAGIC, 63, VOL_ARGS_V2_SIZE);

    /** BTRFS_SUBVOL_RDONLY */
    private static final long SUBVOL_RDONLY = 1L << 1;

    private Btrfs() {
    }

    /** Creates an empty subvolume at {@code path} (its parent must exist on Btrfs). */
    public static void createSubvolume(Path path) throws SysException {
        Path parent = parentOf(path);
        String name = nameOf(path, V1_NAME_MAX);
        Pointer args = Native.allocate(VOL_ARGS_SIZE);
        putName(args, 8, name);
        try (Fd dir = Fd.openDirectory(parent)) {
            Native.check("ioctl(BTRFS_IOC_SUBVOL_CREATE)", path.toString(),
                    () -> Native.LIBC.ioctl(dir.fd, IOC_SUBVOL_CREATE, args));
        }
    }

    /**
     * Snapshots the subvolume {@code source} to {@code target} in one ioctl. A read-only snapshot
     * can be cloned from but never changed; a writable one is an independent copy-on-write copy.
     * Fails with EXDEV when the two are on different filesystems.
     */
    public static void snapshot(Path source, Path target, boolean readOnly) throws SysException {
        Path parent = parentOf(target);
        String name = nameOf(target, V2_NAME_MAX);
        Pointer args = Native.allocate(VOL_ARGS_V2_SIZE);
        try (Fd src = Fd.openDirectory(source); Fd dir = Fd.openDirectory(parent)) {
            args.putLong(0, src.fd);
            args.putLong(V2_FLAGS_OFFSET, readOnly ? SUBVOL_RDONLY : 0);
            putName(args, V2_NAME_OFFSET, name);
            Native.check("ioctl(BTRFS_IOC_SNAP_CREATE_V2)", target.toString(),
                    () -> Native.LIBC.ioctl(dir.fd, IOC_SNAP_CREATE_V2, args));
        }
    }

    /**
     * Deletes the subvolume at {@code path}, read-only or not. The kernel frees its extents in the
     * background. Fails with ENOTEMPTY when it contains other subvolumes.
     */
    public static void deleteSubvolume(Path path) throws SysException {
        Path parent = parentOf(path);
        String name = nameOf(path, V2_NAME_MAX);
        try (Fd dir = Fd.openDirectory(parent)) {
            Pointer v2 = Native.allocate(VOL_ARGS_V2_SIZE);
            putName(v2, V2_NAME_OFFSET, name);
            try {
                Native.check("ioctl(BTRFS_IOC_SNAP_DESTROY_V2)", path.toString(),
                        () -> Native.LIBC.ioctl(dir.fd, IOC_SNAP_DESTROY_V2, v2));
            } catch (SysException e) {
                if (e.errno() != Errno.ENOTTY && e.errno() != Errno.EOPNOTSUPP) {
                    throw e;
                }
                // Kernels before 5.7 only have the v1 call.
                Pointer v1 = Native.allocate(VOL_ARGS_SIZE);
                putName(v1, 8, name);
                Native.check("ioctl(BTRFS_IOC_SNAP_DESTROY)", path.toString(),
                        () -> Native.LIBC.ioctl(dir.fd, IOC_SNAP_DESTROY, v1));
            }
        }
    }

    /** BTRFS_SUBVOL_SPEC_BY_ID: the subvolume to destroy is given by id, not name. */
    private static final long SUBVOL_SPEC_BY_ID = 1L << 4;
    private static final long ROOT_TREE_OBJECTID = 1;
    private static final int ROOT_REF_KEY = 156;
    private static final int V2_SUBVOLID_OFFSET = 56;

    /** The ids of the subvolumes made directly inside subvolume {@code id}, found in the root tree. */
    public static List<Long> childSubvolumes(Path mountPoint, long id) throws SysException {
        List<Long> children = new ArrayList<>();
        BtrfsQuota.search(mountPoint, ROOT_TREE_OBJECTID, id, ROOT_REF_KEY, 0, -1L,
                (offset, item, at, len) -> children.add(offset));
        return children;
    }

    /**
     * Deletes subvolume {@code id} and every subvolume below it, deepest first, each by its id
     * (BTRFS_IOC_SNAP_DESTROY_V2 with BTRFS_SUBVOL_SPEC_BY_ID): no path inside the tree is looked
     * at, so whoever owns the tree cannot redirect the deletion by swapping a directory for a link.
     */
    public static void deleteTreeById(Path mountPoint, long id) throws SysException {
        for (long child : childSubvolumes(mountPoint, id)) {
            deleteTreeById(mountPoint, child);
        }
        Pointer v2 = Native.allocate(VOL_ARGS_V2_SIZE);
        v2.putLong(16, SUBVOL_SPEC_BY_ID);
        v2.putLong(V2_SUBVOLID_OFFSET, id);
        try (Fd fs = Fd.openDirectory(mountPoint)) {
            Native.check("ioctl(BTRFS_IOC_SNAP_DESTROY_V2, subvolid " + id + ")", mountPoint.toString(),
                    () -> Native.LIBC.ioctl(fs.fd, IOC_SNAP_DESTROY_V2, v2));
        }
    }

    /** Whether the subvolume at {@code path} is read-only. */
    public static boolean isReadOnly(Path path) throws SysException {
        Pointer flags = Native.allocate(8);
        try (Fd fd = Fd.openDirectory(path)) {
            Native.check("ioctl(BTRFS_IOC_SUBVOL_GETFLAGS)", path.toString(),
                    () -> Native.LIBC.ioctl(fd.fd, IOC_SUBVOL_GETFLAGS, flags));
        }
        return (flags.getLong(0) & SUBVOL_RDONLY) != 0;
    }

    /** Marks the subvolume at {@code path} read-only or writable. */
    public static void setReadOnly(Path path, boolean readOnly) throws SysException {
        Pointer flags = Native.allocate(8);
        try (Fd fd = Fd.openDirectory(path)) {
            Native.check("ioctl(BTRFS_IOC_SUBVOL_GETFLAGS)", path.toString(),
                    () -> Native.LIBC.ioctl(fd.fd, IOC_SUBVOL_GETFLAGS, flags));
            long v = flags.getLong(0);
            flags.putLong(0, readOnly ? v | SUBVOL_RDONLY : v & ~SUBVOL_RDONLY);
            Native.check("ioctl(BTRFS_IOC_SUBVOL_SETFLAGS)", path.toString(),
                    () -> Native.LIBC.ioctl(fd.fd, IOC_SUBVOL_SETFLAGS, flags));
        }
    }

    /** Whether {@code path} is the root directory of a Btrfs subvolume. */
    public static boolean isSubvolume(Path path) throws IOException {
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Object ino = Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        return ((Number) ino).longValue() == SUBVOLUME_ROOT_INODE && Statfs.of(path).type() == SUPER_MAGIC;
    }

    private static Path parentOf(Path path) {
        Path abs = path.toAbsolutePath();
        Path parent = abs.getParent();
        if (parent == null) {
            throw new IllegalArgumentException("no parent directory: " + path);
        }
        return parent;
    }

    private static String nameOf(Path path, int max) {
        String name = path.getFileName().toString();
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")
                || name.getBytes(StandardCharsets.UTF_8).length > max) {
            throw new IllegalArgumentException("not a valid subvolume name: " + name);
        }
        return name;
    }

    private static void putName(Pointer args, int offset, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        args.put(offset, bytes, 0, bytes.length);
        args.putByte(offset + bytes.length, (byte) 0);
    }
}
