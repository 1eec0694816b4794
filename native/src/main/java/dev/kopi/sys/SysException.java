package dev.kopi.sys;

import java.io.IOException;

/**
 * A failed system call: which call, on which path, and the errno it returned.
 * The message reads like {@code ioctl(BTRFS_IOC_SNAP_CREATE_V2) on /pool/clones/a: No space left on device (errno 28)}.
 */
public class SysException extends IOException {
    private final String call;
    private final String path;
    private final int errno;

    public SysException(String call, String path, int errno, String reason) {
        super(call + " on " + path + ": " + reason + " (errno " + errno + ")");
        this.call = call;
        this.path = path;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public String path() {
        return path;
    }

    public int errno() {
        return errno;
    }

    /** True for ENOSPC and EDQUOT: the filesystem (or its quota) is full. */
    public boolean isNoSpace() {
        return errno == Errno.ENOSPC || errno == Errno.EDQUOT;
    }
}
