package dev.kopi.sys;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Gives a whole directory tree to one owner, as root, without following a symlink anywhere. Each
 * directory is given away, mode 0700, before it is read: whoever owned it before can no longer
 * add or swap entries in it, so nothing they do during the walk escapes it. Symlinks are given
 * away as links, never their targets. (Every directory of a PostgreSQL data directory is 0700.)
 */
public final class OwnedTree {
    private OwnedTree() {
    }

    /** What a walk did. */
    public record Counts(long directories, long entries) {
    }

    /**
     * Gives {@code root} and everything below it to {@code uid}:{@code gid}. Returns how many
     * directories and other entries it changed.
     */
    public static Counts give(Path root, int uid, int gid) throws SysException {
        return give(root, uid, gid, null);
    }

    /**
     * Like {@link #give(Path, int, int)}, and removes every symlink whose path relative to
     * {@code root} {@code keepLink} does not accept (a copy of a tree someone else controlled may
     * hold links that would lead what later reads it elsewhere).
     */
    public static Counts give(Path root, int uid, int gid, Predicate<String> keepLink) throws SysException {
        long[] counts = new long[2];
        try (DirFd dir = DirFd.open(root)) {
            walk(dir, "", uid, gid, keepLink, counts);
        }
        return new Counts(counts[0], counts[1]);
    }

    /**
     * Readies a tree to be sealed into a snapshot whose clones each run as an identity of their
     * own: every directory below {@code root} mode 0777 and every regular file below its top
     * level 0666, owners unchanged. A clone of it then needs only {@link #giveTop}: its root, 0700
     * and the clone's, is what keeps every other identity out, and everything below is open to
     * whoever may pass it. Top-level files keep their modes (a server key must stay private).
     * Symlinks are neither followed nor changed. Returns how many directories and files it changed.
     */
    public static Counts prepareForClones(Path root) throws SysException {
        long[] counts = new long[2];
        try (DirFd dir = DirFd.open(root)) {
            for (String name : dir.list()) {
                Optional<DirFd> sub = dir.openDir(name);
                if (sub.isPresent()) {
                    try (DirFd d = sub.get()) {
                        open(d, counts);
                    }
                }
            }
        }
        return new Counts(counts[0], counts[1]);
    }

    private static void open(DirFd dir, long[] counts) throws SysException {
        dir.chmodSelf(0777);
        counts[0]++;
        for (String name : dir.list()) {
            Optional<DirFd> sub = dir.openDir(name);
            if (sub.isPresent()) {
                try (DirFd d = sub.get()) {
                    open(d, counts);
                }
            } else if (dir.chmodFile(name, 0666)) {
                counts[1]++;
            }
        }
    }

    /**
     * Gives a tree readied by {@link #prepareForClones} to {@code uid}:{@code gid}: its root (mode
     * 0700) and the entries of its top level other than directories, whatever its size. Returns
     * what it changed.
     */
    public static Counts giveTop(Path root, int uid, int gid) throws SysException {
        long entries = 0;
        try (DirFd dir = DirFd.open(root)) {
            dir.chownSelf(uid, gid); // first: the old owner can no longer change its mode
            dir.chmodSelf(0700);
            for (String name : dir.list()) {
                Optional<DirFd> sub = dir.openDir(name);
                if (sub.isPresent()) {
                    sub.get().close();
                    continue;
                }
                try {
                    dir.chown(name, uid, gid);
                    entries++;
                } catch (SysException e) {
                    if (e.errno() != Errno.ENOENT) {
                        throw e;
                    }
                }
            }
        }
        return new Counts(1, entries);
    }

    private static void walk(DirFd dir, String prefix, int uid, int gid, Predicate<String> keepLink, long[] counts)
            throws SysException {
        dir.chownSelf(uid, gid); // first: the old owner can no longer change its mode
        dir.chmodSelf(0700);
        counts[0]++;
        for (String name : dir.list()) {
            Optional<DirFd> sub = dir.openDir(name);
            if (sub.isPresent()) {
                try (DirFd d = sub.get()) {
                    walk(d, prefix + name + "/", uid, gid, keepLink, counts);
                }
                continue;
            }
            if (keepLink != null && dir.readlink(name).isPresent() && !keepLink.test(prefix + name)) {
                dir.unlink(name);
                continue;
            }
            try {
                dir.chown(name, uid, gid);
                counts[1]++;
            } catch (SysException e) {
                if (e.errno() != Errno.ENOENT) { // gone meanwhile: nothing to give
                    throw e;
                }
            }
        }
    }
}
