package dev.kopi.sys;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a small file that someone less privileged may control (PG_VERSION, postmaster.pid in a
 * directory the postgres user owns) without trusting it: a symlink is refused (O_NOFOLLOW), a FIFO
 * cannot block (O_NONBLOCK), and at most {@code max} bytes are read, so /dev/zero-like tricks
 * cannot exhaust memory.
 */
public final class SmallFile {
    private SmallFile() {
    }

    public static byte[] read(Path path, int max) throws SysException {
        try (Fd fd = Fd.open(path, LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_NONBLOCK)) {
            return read(fd.fd, path.toString(), max);
        }
    }

    /** At most {@code max} bytes of the open file {@code fd}; a FIFO with no writer reads as empty. */
    static byte[] read(int fd, String what, int max) throws SysException {
        byte[] buf = new byte[max];
        int total = 0;
        while (total < max) {
            byte[] chunk = new byte[Math.min(max - total, 1 << 20)];
            long n = Native.LIBC.read(fd, chunk, chunk.length);
            if (n < 0) {
                int errno = Native.RUNTIME.getLastError();
                if (errno == Errno.EINTR) {
                    continue;
                }
                if (errno == Errno.EAGAIN) {
                    break; // a FIFO with no writer: nothing to read
                }
                throw new SysException("read", what, errno, Native.strerror(errno));
            }
            if (n == 0) {
                break;
            }
            System.arraycopy(chunk, 0, buf, total, (int) n);
            total += (int) n;
        }
        return Arrays.copyOf(buf, total);
    }
}
