package dev.kopi.sys;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The libc functions Kopi calls directly. Internal: it is public only because jnr-ffi generates
 * its implementation in another class loader. Callers go through the checked wrappers
 * ({@link Btrfs}, {@link Mounts}, {@link LoopDevices}, ...), which turn a negative return code
 * into a {@link SysException}.
 */
public interface LibC {
    @SaveError int open(String path, int flags, int mode);
    @SaveError int openat(int dirfd, String path, int flags, int mode);
    @SaveError int fchownat(int dirfd, String path, int uid, int gid, int flags);
    @SaveError int fchown(int fd, int uid, int gid);
    @SaveError int fchmod(int fd, int mode);
    @SaveError int chmod(String path, int mode);
    @SaveError int unlinkat(int dirfd, String path, int flags);
    @SaveError int mkdirat(int dirfd, String path, int mode);
    @SaveError int symlinkat(String target, int dirfd, String path);
    @SaveError @ssize_t long readlinkat(int dirfd, String path, @jnr.ffi.annotations.Out byte[] buf, @size_t long size);
    /** syscall(2) for openat2, which glibc 2.36 does not wrap. */
    @SaveError long syscall(long number, int dirfd, String path, Pointer how, @size_t long size);

    @SaveError int close(int fd);

    @SaveError int ioctl(int fd, long request, Pointer arg);

    @SaveError int ioctl(int fd, long request, long arg);

    @SaveError int mount(String source, String target, String fstype, long flags, String data);

    @SaveError int umount2(String target, int flags);

    @SaveError int statfs(String path, Pointer buf);

    @SaveError int syncfs(int fd);

    @SaveError int fsync(int fd);

    @SaveError @ssize_t long copy_file_range(int fdIn, Pointer offIn, int fdOut, Pointer offOut,
                                             @size_t long len, int flags);

    @SaveError @ssize_t long sendfile(int outFd, int inFd, Pointer offset, @size_t long count);

    @SaveError int fallocate(int fd, int mode, long offset, long len);

    @SaveError @ssize_t long read(int fd, @jnr.ffi.annotations.Out byte[] buf, @size_t long count);

    String strerror(@In int errnum);

    // open(2) flags (x86_64 and aarch64 share these values).
    int O_RDONLY = 0;
    int O_WRONLY = 1;
    int O_RDWR = 2;
    int O_CREAT = 0100;
    int O_EXCL = 0200;
    int O_TRUNC = 01000;
    int O_DIRECTORY = 0200000;
    int O_NOFOLLOW = 0400000;
    int O_NONBLOCK = 04000;
    int O_CLOEXEC = 02000000;
    /** A handle on the inode alone: opening it has no effect on the file (a FIFO, a device). */
    int O_PATH = 010000000;

    // *at(2) flags.
    int AT_SYMLINK_NOFOLLOW = 0x100;
    int AT_REMOVEDIR = 0x200;
}
