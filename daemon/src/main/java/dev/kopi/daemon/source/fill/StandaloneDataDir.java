package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.DataDirectory;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.source.Progress;
import dev.kopi.sys.Posix;

/**
 * Makes a staging copy a data directory that starts on its own: no stale pid file, no
 * standby/recovery signal (a clone must never follow the source's primary), tablespace links
 * relative to itself, a real pg_wal, owned by the postgres user and mode 0700.
 */
public final class StandaloneDataDir {
    private StandaloneDataDir() {
    }

    /**
     * @param dir      the staging copy
     * @param original the data directory it was copied from (for tablespace links); null when none
     * @param user     the OS user Postgres runs as
     */
    public static void make(Path dir, Path original, OsUser user) throws IOException {
        for (String f : List.of("postmaster.pid", "postmaster.opts", "standby.signal", "recovery.signal")) {
            Files.deleteIfExists(dir.resolve(f));
        }
        for (String f : List.of("postgresql.conf", "pg_ident.conf")) {
            // Debian-style clusters keep their config in /etc: an empty file means built-in defaults.
            Path p = dir.resolve(f);
            if (!Files.exists(p)) {
                Files.createFile(p);
            }
        }
        DataDirectory dd = new DataDirectory(dir);
        for (DataDirectory.Tablespace t : dd.tablespaces()) {
            // A copied link still names the original's absolute path (or, after pg_basebackup,
            // the copy's own): point it inside the copy, relatively, so every clone uses its own.
            Path inCopy = original != null && t.target().startsWith(original)
                    ? dir.resolve(original.relativize(t.target())) : t.target();
            if (!inCopy.startsWith(dir)) {
                throw KopiException.precondition("tablespace " + t.oid() + " of the copy is at " + t.target()
                        + ", outside the copy");
            }
            Files.deleteIfExists(t.link());
            Files.createSymbolicLink(t.link(), t.link().getParent().relativize(inCopy));
        }
        if (dd.walIsLinked()) {
            // Only reachable for a stopped source snapshotted natively: its WAL lives elsewhere.
            Path wal = dir.resolve("pg_wal");
            Path real = wal.toRealPath();
            TreeCopier.requireSameOwner(original, real);
            Files.delete(wal);
            Files.createDirectory(wal);
            new TreeCopier(user, Progress.NONE).copy(real, wal);
        }
        if (((Number) Files.getAttribute(dir, "unix:uid")).intValue() != user.uid()) {
            chownTree(dir, user);
        }
        Posix.chown(dir, user.uid(), user.gid());
        Posix.chmod(dir, 0700);
    }

    private static void chownTree(Path dir, OsUser u) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Posix.chown(d, u.uid(), u.gid());
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Posix.chown(f, u.uid(), u.gid());
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
