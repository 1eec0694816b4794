package dev.kopi.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * One loader for libc plus the helpers every wrapper uses: errno capture, EINTR retry and
 * conversion of {@code rc < 0} into {@link SysException}.
 */
final class Native {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    private Native() {
    }

    /** A call that returns a libc-style int (negative on failure). */
    @FunctionalInterface
    interface IntCall {
        long invoke();
    }

    /**
     * Runs {@code call}, retrying while it fails with EINTR, and throws a {@link SysException}
     * naming {@code what} and {@code path} if it still fails.
     */
    static long check(String what, String path, IntCall call) throws SysException {
        while (true) {
            long rc = call.invoke();
            if (rc >= 0) {
                return rc;
            }
            int errno = RUNTIME.getLastError();
            if (errno == Errno.EINTR) {
                continue;
            }
            throw new SysException(what, path, errno, strerror(errno));
        }
    }

    static String strerror(int errno) {
        String s = LIBC.strerror(errno);
        return s == null ? "errno " + errno : s;
    }

    static Pointer allocate(int bytes) {
        Pointer p = Memory.allocateDirect(RUNTIME, bytes);
        p.setMemory(0, bytes, (byte) 0);
        return p;
    }

    /** Linux _IOC encoding (asm-generic: dir in bits 30-31, size in bits 16-29). */
    static long ioc(int dir, int type, int nr, int size) {
        return ((long) dir << 30) | ((long) size << 16) | ((long) type << 8) | nr;
    }

    static long io(int type, int nr) {
        return ioc(0, type, nr, 0);
    }

    static long iow(int type, int nr, int size) {
        return ioc(1, type, nr, size);
    }

    static long ior(int type, int nr, int size) {
        return ioc(2, type, nr, size);
    }

    static long iowr(int type, int nr, int size) {
        return ioc(3, type, nr, size);
    }
}
