package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.source.Progress;
import dev.kopi.sys.FileCopy;
import dev.kopi.sys.Posix;

/**
 * Copies a stopped data directory into an empty volume: reflinks where source and pool share a
 * copy-on-write filesystem, an in-kernel copy otherwise. Everything ends up owned by the
 * postgres user; modes are kept. A linked pg_wal is copied as a real directory so the copy
 * stands alone. Runtime files of a server (postmaster.pid/opts) are left behind.
 */
public final class TreeCopier {
    private static final Set<String> SKIP_AT_ROOT = Set.of("postmaster.pid", "postmaster.opts");

    private final OsUser owner;
    private final Progress progress;
    private final AtomicLong done = new AtomicLong();
    private long total;
    private long lastReport;

    public TreeCopier(OsUser owner, Progress progress) {
        this.owner = owner;
        this.progress = progress;
    }

    /** Copies the contents of {@code from} into the existing directory {@code to}; returns bytes copied. */
    public long copy(Path from, Path to) throws IOException {
        total = sizeOf(from) + (Files.isSymbolicLink(from.resolve("pg_wal")) ? sizeOf(from.resolve("pg_wal").toRealPath()) : 0);
        for (String skipped : SKIP_AT_ROOT) {
            Path p = from.resolve(skipped);
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                total -= Files.size(p);
            }
        }
        progress.report("copy", "copying " + from + " into the pool", 0, total);
        copyChildren(from, to, true);
        progress.report("copy", "copied " + from, done.get(), total);
        return done.get();
    }

    private void copyChildren(Path fromDir, Path toDir, boolean root) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(fromDir)) {
            for (Path src : entries) {
                String name = src.getFileName().toString();
                if (root && SKIP_AT_ROOT.contains(name)) {
                    continue;
                }
                Path dst = toDir.resolve(name);
                PosixFileAttributes a = Files.readAttributes(src, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isSymbolicLink() && root && name.equals("pg_wal")) {
                    Path real = src.toRealPath();
                    requireSameOwner(fromDir, real);
                    makeDirectory(dst, Files.readAttributes(real, PosixFileAttributes.class));
                    copyChildren(real, dst, false);
                } else if (a.isSymbolicLink()) {
                    Files.createSymbolicLink(dst, Files.readSymbolicLink(src));
                    Posix.chown(dst, owner.uid(), owner.gid());
                } else if (a.isDirectory()) {
                    makeDirectory(dst, a);
                    copyChildren(src, dst, false);
                } else if (a.isRegularFile()) {
                    FileCopy.copy(src, dst, mode(a), this::advance);
                    Posix.chown(dst, owner.uid(), owner.gid());
                }
                // sockets, fifos and devices have no place in a data directory: skipped
            }
        }
    }

    /**
     * kopid copies as root: a linked pg_wal is followed only into a directory owned by whoever owns
     * the data directory, so a source cannot make root copy some other user's files into a clone.
     */
    static void requireSameOwner(Path dataDir, Path walTarget) throws IOException {
        Object dirOwner = Files.getAttribute(dataDir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Object walOwner = Files.getAttribute(walTarget, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (!dirOwner.equals(walOwner)) {
            throw KopiException.precondition(dataDir + "/pg_wal links to " + walTarget
                    + ", which belongs to another user than the data directory; refusing to copy it");
        }
    }

    private void makeDirectory(Path dst, PosixFileAttributes a) throws IOException {
        Files.createDirectory(dst);
        Posix.chmod(dst, mode(a));
        Posix.chown(dst, owner.uid(), owner.gid());
    }

    private void advance(long bytes) {
        long now = done.addAndGet(bytes);
        long t = System.nanoTime();
        if (t - lastReport > 250_000_000L) { // at most four reports a second
            lastReport = t;
            progress.report("copy", "copying", now, total);
        }
    }

    static int mode(PosixFileAttributes a) {
        int m = 0;
        for (PosixFilePermission p : a.permissions()) {
            m |= 1 << (8 - p.ordinal());
        }
        return m;
    }

    static long sizeOf(Path dir) throws IOException {
        AtomicLong sum = new AtomicLong();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    sum.addAndGet(attrs.size());
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return sum.get();
    }
}
