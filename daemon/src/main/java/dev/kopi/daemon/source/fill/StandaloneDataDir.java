package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.source.Progress;
import dev.kopi.sys.DirFd;
import dev.kopi.sys.OwnedTree;

/**
 * Makes a staging copy a data directory that starts on its own: owned by the refresh identity
 * alone, no stale pid file, no standby/recovery signal (a clone must never follow the source's
 * primary), tablespace links relative to itself, a real pg_wal, no other symlink anywhere.
 *
 * <p>The copy may come from a tree someone less privileged controlled (a clone's data directory,
 * for a snapshot of a clone), so it is first given to the refresh identity, directory by
 * directory before each is read, which locks the previous owner out; then root works in it only
 * through open directories, never following a link.
 */
public final class StandaloneDataDir {
    private StandaloneDataDir() {
    }

    /**
     * @param dir       the staging copy
     * @param original  the data directory it was copied from (for tablespace links); null when none
     * @param fromClone whether that was a clone's (whose holder may have planted links anywhere)
     * @param user      the OS user refreshes run as
     */
    public static void make(Path dir, Path original, boolean fromClone, OsUser user) throws IOException {
        int owner = ((Number) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)).intValue();
        if (fromClone || owner != user.uid()) {
            // pg_tblspc entries and pg_wal are the only links a data directory has.
            OwnedTree.give(dir, user.uid(), user.gid(),
                    p -> p.equals("pg_wal") || p.matches("pg_tblspc/[0-9]+"));
        }
        try (DirFd root = DirFd.open(dir)) {
            for (String f : List.of("postmaster.pid", "postmaster.opts", "standby.signal", "recovery.signal")) {
                root.unlink(f);
            }
            for (String f : List.of("postgresql.conf", "pg_ident.conf")) {
                // Debian-style clusters keep their config in /etc: an empty file means built-in defaults.
                if (root.createEmptyFile(f, 0600)) {
                    root.chown(f, user.uid(), user.gid());
                }
            }
            relinkTablespaces(root, dir, original, user);
            Optional<String> wal = root.readlink("pg_wal");
            if (wal.isPresent()) {
                if (fromClone || original == null) {
                    throw KopiException.precondition("pg_wal of " + dir + " is a link to " + wal.get()
                            + "; a clone's data directory keeps its WAL inside");
                }
                // Only reachable for a stopped source snapshotted natively: its WAL lives elsewhere.
                Path real = original.resolve(wal.get()).normalize();
                root.unlink("pg_wal");
                root.mkdir("pg_wal", 0700);
                root.chown("pg_wal", user.uid(), user.gid());
                new TreeCopier(user, Progress.NONE).copyLinkedWal(original, real, dir.resolve("pg_wal"));
            }
            root.chownSelf(user.uid(), user.gid());
            root.chmodSelf(0700);
        }
    }

    /**
     * A copied link still names the original's absolute path (or, after pg_basebackup, the copy's
     * own): point each inside the copy, relatively, so every clone uses its own; one that leads
     * outside the copy is refused.
     */
    private static void relinkTablespaces(DirFd root, Path dir, Path original, OsUser user) throws IOException {
        Optional<DirFd> tblspc = root.openDir("pg_tblspc");
        if (tblspc.isEmpty()) {
            return;
        }
        try (DirFd links = tblspc.get()) {
            Path linksPath = dir.resolve("pg_tblspc");
            for (String oid : links.list()) {
                Optional<String> text = links.readlink(oid);
                if (text.isEmpty()) {
                    continue;
                }
                Path target = linksPath.resolve(text.get()).normalize();
                Path inCopy = original != null && target.startsWith(original)
                        ? dir.resolve(original.relativize(target)) : target;
                if (!inCopy.startsWith(dir)) {
                    throw KopiException.precondition("tablespace " + oid + " of the copy is at " + target
                            + ", outside the copy");
                }
                // The place it leads to must be a real directory inside the copy, reached without a link.
                root.openBeneath(dir.relativize(inCopy).toString()).close();
                links.unlink(oid);
                links.symlink(linksPath.relativize(inCopy).toString(), oid);
                links.chown(oid, user.uid(), user.gid());
            }
        }
    }
}
