package dev.kopi.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

import jnr.ffi.Pointer;

/**
 * A directory held open, and what root does to the entries in it, by name and relative to the
 * open directory, never following a symbolic link: the way to work inside a tree that someone
 * less privileged may change while root works in it (a clone's data directory, a staging copy of
 * one). A swapped parent cannot redirect anything: the directory is the one opened, and each
 * name is one component looked up in it.
 */
public final class DirFd implements AutoCloseable {
    /** openat2(2) on x86_64 and aarch64 alike (both use the generic numbers for new calls). */
    private static final long SYS_OPENAT2 = 437;
    private static final long RESOLVE_NO_MAGICLINKS = 0x02;
    private static final long RESOLVE_NO_SYMLINKS = 0x04;
    private static final long RESOLVE_BENEATH = 0x08;
    private static final int DIR_FLAGS = LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_NONBLOCK
            | LibC.O_CLOEXEC;

    private final int fd;
    private final String path;

    private DirFd(int fd, String path) {
        this.fd = fd;
        this.path = path;
    }

    /**
     * Opens {@code dir}, refusing a symlink in its last component. Its parents must be trusted
     * (root's own directories): use {@link #openBeneath} for anything below.
     */
    public static DirFd open(Path dir) throws SysException {
        String p = dir.toString();
        int fd = (int) Native.check("open", p, () -> Native.LIBC.open(p, DIR_FLAGS, 0));
        return new DirFd(fd, p);
    }

    /** Where this directory was when it was opened (for messages). */
    public String path() {
        return path;
    }

    private String at(String name) {
        return path + "/" + name;
    }

    private static void requireName(String name) {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a single path component: " + name);
        }
    }

    /** The subdirectory {@code name}; empty when it is not a directory (a file, a symlink) or absent. */
    public Optional<DirFd> openDir(String name) throws SysException {
        requireName(name);
        while (true) {
            int rc = Native.LIBC.openat(fd, name, DIR_FLAGS, 0);
            if (rc >= 0) {
                return Optional.of(new DirFd(rc, at(name)));
            }
            int errno = Native.RUNTIME.getLastError();
            if (errno == Errno.EINTR) {
                continue;
            }
            if (errno == Errno.ENOTDIR || errno == Errno.ELOOP || errno == Errno.ENOENT) {
                return Optional.empty();
            }
            throw new SysException("openat", at(name), errno, Native.strerror(errno));
        }
    }

    /**
     * The directory at {@code relative} (several components) below this one, resolved by the
     * kernel without crossing a symlink and without leaving this directory (openat2 with
     * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS); one component at a time on kernels without openat2.
     */
    public DirFd openBeneath(String relative) throws SysException {
        Pointer how = Native.allocate(24);
        how.putLong(0, DIR_FLAGS);
        how.putLong(8, 0);
        how.putLong(16, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        long rc;
        while (true) {
            rc = Native.LIBC.syscall(SYS_OPENAT2, fd, relative, how, 24);
            if (rc >= 0) {
                return new DirFd((int) rc, at(relative));
            }
            int errno = Native.RUNTIME.getLastError();
            if (errno == Errno.EINTR) {
                continue;
            }
            if (errno == Errno.ENOSYS) {
                return openComponentwise(relative);
            }
            throw new SysException("openat2", at(relative), errno, Native.strerror(errno));
        }
    }

    private DirFd openComponentwise(String relative) throws SysException {
        DirFd cur = this;
        for (String part : relative.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            Optional<DirFd> next = cur.openDir(part);
            if (cur != this) {
                cur.close();
            }
            cur = next.orElseThrow(() -> new SysException("openat", at(relative), Errno.ENOTDIR,
                    "not a directory below " + path + " (or a symlink)"));
        }
        return cur == this ? open(Path.of(path)) : cur;
    }

    /**
     * The names in this directory, "." and ".." left out. Read through /proc/self/fd, which
     * names this very directory whatever happened to its path since it was opened.
     */
    public List<String> list() throws SysException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd", Integer.toString(fd)))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new SysException("list", path, Errno.EIO, e.getMessage());
        }
    }

    /** The target of the symlink {@code name}; empty when {@code name} is not a symlink. */
    public Optional<String> readlink(String name) throws SysException {
        requireName(name);
        byte[] buf = new byte[4096];
        while (true) {
            long n = Native.LIBC.readlinkat(fd, name, buf, buf.length);
            if (n >= 0) {
                return Optional.of(new String(Arrays.copyOf(buf, (int) n), StandardCharsets.UTF_8));
            }
            int errno = Native.RUNTIME.getLastError();
            if (errno == Errno.EINTR) {
                continue;
            }
            if (errno == Errno.EINVAL || errno == Errno.ENOENT) {
                return Optional.empty();
            }
            throw new SysException("readlinkat", at(name), errno, Native.strerror(errno));
        }
    }

    /** Gives the entry {@code name} itself (a symlink, not its target) to {@code uid}:{@code gid}. */
    public void chown(String name, int uid, int gid) throws SysException {
        requireName(name);
        Native.check("fchownat", at(name),
                () -> Native.LIBC.fchownat(fd, name, uid, gid, LibC.AT_SYMLINK_NOFOLLOW));
    }

    /** Gives this directory to {@code uid}:{@code gid}. */
    public void chownSelf(int uid, int gid) throws SysException {
        Native.check("fchown", path, () -> Native.LIBC.fchown(fd, uid, gid));
    }

    public void chmodSelf(int mode) throws SysException {
        Native.check("fchmod", path, () -> Native.LIBC.fchmod(fd, mode));
    }

    /**
     * Sets the mode of {@code name} if it is a regular file, never following a symlink and never
     * opening the file itself (an O_PATH handle, changed through its /proc/self/fd link, which
     * leads to that very inode). Returns false, changing nothing, for anything else: a directory,
     * a symlink, a FIFO, a device, an entry that is gone.
     */
    public boolean chmodFile(String name, int mode) throws SysException {
        requireName(name);
        int h = Native.LIBC.openat(fd, name, LibC.O_PATH | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (h < 0) {
            int errno = Native.RUNTIME.getLastError();
            if (errno == Errno.ENOENT) {
                return false;
            }
            throw new SysException("openat(O_PATH)", at(name), errno, Native.strerror(errno));
        }
        try {
            if (!attributesOf(h, at(name)).isRegularFile()) {
                return false;
            }
            String handle = "/proc/self/fd/" + h;
            Native.check("chmod", at(name), () -> Native.LIBC.chmod(handle, mode));
            return true;
        } finally {
            Native.LIBC.close(h);
        }
    }

    /** Removes the entry {@code name} (a file or a symlink, never what it points to); false if absent. */
    public boolean unlink(String name) throws SysException {
        requireName(name);
        while (true) {
            if (Native.LIBC.unlinkat(fd, name, 0) == 0) {
                return true;
            }
            int errno = Native.RUNTIME.getLastError();
            if (errno == Errno.EINTR) {
                continue;
            }
            if (errno == Errno.ENOENT) {
                return false;
            }
            throw new SysException("unlinkat", at(name), errno, Native.strerror(errno));
        }
    }

    /** Removes the empty directory {@code name}. */
    public void rmdir(String name) throws SysException {
        requireName(name);
        Native.check("unlinkat(AT_REMOVEDIR)", at(name), () -> Native.LIBC.unlinkat(fd, name, LibC.AT_REMOVEDIR));
    }

    public void mkdir(String name, int mode) throws SysException {
        requireName(name);
        Native.check("mkdirat", at(name), () -> Native.LIBC.mkdirat(fd, name, mode));
    }

    /** Makes the symlink {@code name} pointing at {@code target}. */
    public void symlink(String target, String name) throws SysException {
        requireName(name);
        Native.check("symlinkat", at(name), () -> Native.LIBC.symlinkat(target, fd, name));
    }

    /** Creates the empty regular file {@code name} if there is nothing by that name; false if there is. */
    public boolean createEmptyFile(String name, int mode) throws SysException {
        requireName(name);
        while (true) {
            int rc = Native.LIBC.openat(fd, name, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW
                    | LibC.O_CLOEXEC, mode);
            if (rc >= 0) {
                Native.LIBC.close(rc);
                return true;
            }
            int errno = Native.RUNTIME.getLastError();
            if (errno == Errno.EINTR) {
                continue;
            }
            if (errno == Errno.EEXIST) {
                return false;
            }
            throw new SysException("openat(O_CREAT)", at(name), errno, Native.strerror(errno));
        }
    }

    /**
     * The contents of the regular file {@code name}, at most {@code max} bytes: not through a
     * symlink, never blocking on a FIFO; FAILED with EINVAL when it is not a regular file, and
     * EFBIG when it is larger than {@code max}.
     */
    public byte[] read(String name, int max) throws SysException {
        int in = openRead(name);
        try {
            PosixFileAttributes a = attributesOf(in, at(name));
            if (!a.isRegularFile()) {
                throw new SysException("read", at(name), Errno.EINVAL, "not a regular file");
            }
            if (a.size() > max) {
                throw new SysException("read", at(name), Errno.EFBIG, "larger than " + max + " bytes");
            }
            return SmallFile.read(in, at(name), max);
        } finally {
            Native.LIBC.close(in);
        }
    }

    /** Opens the entry {@code name} for reading: not through a symlink, never blocking on a FIFO. */
    public int openRead(String name) throws SysException {
        requireName(name);
        return (int) Native.check("openat", at(name), () -> Native.LIBC.openat(fd, name,
                LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0));
    }

    /**
     * The attributes of the entry {@code name}, reached without following a link in its name (an
     * O_PATH handle); empty when there is no such entry.
     */
    public Optional<PosixFileAttributes> attributes(String name) throws SysException {
        requireName(name);
        int h = Native.LIBC.openat(fd, name, LibC.O_PATH | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (h < 0) {
            int errno = Native.RUNTIME.getLastError();
            if (errno == Errno.ENOENT) {
                return Optional.empty();
            }
            throw new SysException("openat(O_PATH)", at(name), errno, Native.strerror(errno));
        }
        try {
            return Optional.of(attributesOf(h, at(name)));
        } finally {
            Native.LIBC.close(h);
        }
    }

    /** This directory's own attributes (owner, mode), read from the open directory, not a path. */
    public PosixFileAttributes attributes() throws SysException {
        return attributesOf(fd, path);
    }

    private static PosixFileAttributes attributesOf(int fd, String what) throws SysException {
        try {
            // /proc/self/fd/N leads to the open file itself, whatever its path has become.
            return Files.readAttributes(Path.of("/proc/self/fd", Integer.toString(fd)), PosixFileAttributes.class);
        } catch (IOException e) {
            throw new SysException("fstat", what, Errno.EIO, e.getMessage());
        }
    }

    /**
     * Copies the regular file {@code name} into the new file {@code toName} of {@code to}
     * (created with the source's mode, given to {@code uid}:{@code gid}), reporting bytes copied.
     * Returns the bytes copied, or -1 when {@code name} is not a regular file (a FIFO, a device, a
     * symlink: nothing is copied and nothing blocks).
     */
    public long copyFile(String name, DirFd to, String toName, int uid, int gid, LongConsumer progress)
            throws SysException {
        requireName(toName);
        int in;
        try {
            in = openRead(name);
        } catch (SysException e) {
            if (e.errno() == Errno.ELOOP) {
                return -1; // a symlink
            }
            throw e;
        }
        try {
            PosixFileAttributes a = attributesOf(in, at(name));
            if (!a.isRegularFile()) {
                return -1;
            }
            int mode = mode(a) & 0777;
            int out = (int) Native.check("openat(O_CREAT)", to.at(toName), () -> Native.LIBC.openat(to.fd, toName,
                    LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, mode));
            try {
                Native.check("fchown", to.at(toName), () -> Native.LIBC.fchown(out, uid, gid));
                FileCopy.copy(in, out, to.at(toName), a.size(), progress);
                return a.size();
            } finally {
                Native.LIBC.close(out);
            }
        } finally {
            Native.LIBC.close(in);
        }
    }

    /** The permission bits of {@code a} as a number. */
    public static int mode(PosixFileAttributes a) {
        int m = 0;
        for (PosixFilePermission p : a.permissions()) {
            m |= 1 << (8 - p.ordinal());
        }
        return m;
    }

    int fd() {
        return fd;
    }

    @Override
    public void close() {
        Native.LIBC.close(fd);
    }
}
