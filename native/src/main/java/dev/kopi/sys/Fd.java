package dev.kopi.sys;

import java.nio.file.Path;

/** An open file descriptor that closes itself. */
final class Fd implements AutoCloseable {
    final int fd;
    final String path;

    private Fd(int fd, String path) {
        this.fd = fd;
        this.path = path;
    }

    static Fd open(Path path, int flags) throws SysException {
        return open(path, flags, 0);
    }

    static Fd open(Path path, int flags, int mode) throws SysException {
        String p = path.toString();
        int fd = (int) Native.check("open", p, () -> Native.LIBC.open(p, flags | LibC.O_CLOEXEC, mode));
        return new Fd(fd, p);
    }

    static Fd openDirectory(Path path) throws SysException {
        return open(path, LibC.O_RDONLY | LibC.O_DIRECTORY);
    }

    @Override
    public void close() {
        // close(2) must not be retried on EINTR on Linux: the fd is released either way.
        Native.LIBC.close(fd);
    }
}
