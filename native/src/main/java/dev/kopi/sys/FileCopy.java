package dev.kopi.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/**
 * Copies one regular file's contents as cheaply as the filesystems allow: a reflink
 * ({@code FICLONE}) when source and target share a copy-on-write filesystem, otherwise
 * {@code copy_file_range(2)}, which keeps the copy inside the kernel.
 */
public final class FileCopy {
    private static final long FICLONE = Native.iow(0x94, 9, 4);
    private static final long CHUNK = 64L << 20;

    private FileCopy() {
    }

    /** How a file was copied. */
    public enum Method { REFLINK, KERNEL_COPY }

    /**
     * Copies {@code source} into a new file {@code target} (which must not exist) created with
     * {@code mode}, reporting bytes as they are copied.
     */
    public static Method copy(Path source, Path target, int mode, LongConsumer progress) throws SysException {
        try (Fd in = Fd.open(source, LibC.O_RDONLY | LibC.O_NOFOLLOW);
             Fd out = Fd.open(target, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW, mode)) {
            return copy(in.fd, out.fd, target.toString(), size(source), progress);
        }
    }

    /** Copies the open file {@code in} ({@code size} bytes) into the open, empty file {@code out}. */
    static Method copy(int in, int out, String target, long size, LongConsumer progress) throws SysException {
        if (Native.LIBC.ioctl(out, FICLONE, (long) in) == 0) {
            progress.accept(size);
            return Method.REFLINK;
        }
        int errno = Native.RUNTIME.getLastError();
        if (errno == Errno.ENOSPC || errno == Errno.EDQUOT || errno == Errno.EIO) {
            throw new SysException("ioctl(FICLONE)", target, errno, Native.strerror(errno));
        }
        // EXDEV, EOPNOTSUPP, EINVAL...: not a shared CoW filesystem; copy the bytes instead.
        boolean rangeCopy = true;
        while (true) {
            long n;
            if (rangeCopy) {
                n = Native.LIBC.copy_file_range(in, null, out, null, CHUNK, 0);
                if (n < 0) {
                    int e = Native.RUNTIME.getLastError();
                    if (e == Errno.EXDEV || e == Errno.EOPNOTSUPP || e == Errno.ENOSYS || e == Errno.EINVAL) {
                        // Since Linux 5.19 copy_file_range refuses to cross filesystem types.
                        rangeCopy = false;
                        continue;
                    }
                    if (e == Errno.EINTR) {
                        continue;
                    }
                    throw new SysException("copy_file_range", target, e, Native.strerror(e));
                }
            } else {
                n = Native.check("sendfile", target, () -> Native.LIBC.sendfile(out, in, null, CHUNK));
            }
            if (n == 0) {
                return Method.KERNEL_COPY;
            }
            progress.accept(n);
        }
    }

    /** Flushes the filesystem holding {@code path} to disk (syncfs(2)). */
    public static void syncFilesystem(Path path) throws SysException {
        try (Fd fd = Fd.open(path, LibC.O_RDONLY)) {
            Native.check("syncfs", path.toString(), () -> Native.LIBC.syncfs(fd.fd));
        }
    }

    /** Reserves {@code bytes} of real space for a new file (fallocate(2)); ENOSPC when it does not fit. */
    public static void allocate(Path target, long bytes) throws SysException {
        try (Fd fd = Fd.open(target, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_NOFOLLOW, 0600)) {
            Native.check("fallocate", target.toString(), () -> Native.LIBC.fallocate(fd.fd, 0, 0, bytes));
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }
}
