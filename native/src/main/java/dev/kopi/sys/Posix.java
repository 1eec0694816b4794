package dev.kopi.sys;

import java.nio.file.Path;
import java.util.Optional;

import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.Passwd;

/** The POSIX calls Kopi needs beyond java.nio: users, ownership, modes, signals, umask. */
public final class Posix {
    public static final int SIGINT = 2;
    public static final int SIGQUIT = 3;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;
    /** Linux's number on every architecture Kopi runs on (x86-64, arm64). */
    public static final int SIGCONT = 18;

    private static final POSIX POSIX = POSIXFactory.getNativePOSIX();

    private Posix() {
    }

    /** A local user's numeric identity. */
    public record User(String name, int uid, int gid, Path home) {
    }

    public static Optional<User> user(String name) {
        Passwd pw = POSIX.getpwnam(name);
        if (pw == null) {
            return Optional.empty();
        }
        return Optional.of(new User(pw.getLoginName(), (int) pw.getUID(), (int) pw.getGID(), Path.of(pw.getHome())));
    }

    /** Whether a local user with this uid exists (a passwd entry). */
    public static boolean uidExists(int uid) {
        return POSIX.getpwuid(uid) != null;
    }

    public static int geteuid() {
        return POSIX.geteuid();
    }

    /** Changes the owner of {@code path} itself (not a symlink's target). */
    public static void chown(Path path, int uid, int gid) throws SysException {
        String p = path.toString();
        int rc = POSIX.lchown(p, uid, gid);
        if (rc < 0) {
            int errno = POSIX.errno();
            throw new SysException("lchown", p, errno, Native.strerror(errno));
        }
    }

    public static void chmod(Path path, int mode) throws SysException {
        String p = path.toString();
        int rc = POSIX.chmod(p, mode);
        if (rc < 0) {
            int errno = POSIX.errno();
            throw new SysException("chmod", p, errno, Native.strerror(errno));
        }
    }

    /** Sends {@code signal} to {@code pid}; false if there is no such process. */
    public static boolean kill(long pid, int signal) throws SysException {
        int rc = POSIX.kill((int) pid, signal);
        if (rc < 0) {
            int errno = POSIX.errno();
            if (errno == 3 /* ESRCH */) {
                return false;
            }
            throw new SysException("kill(" + signal + ")", "pid " + pid, errno, Native.strerror(errno));
        }
        return true;
    }

    /** Sets the process umask, returning the previous one. */
    public static int umask(int mask) {
        return POSIX.umask(mask);
    }
}
