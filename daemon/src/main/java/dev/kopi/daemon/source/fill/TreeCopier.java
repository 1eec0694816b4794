package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.source.Progress;
import dev.kopi.sys.DirFd;
import dev.kopi.sys.SysException;

/**
 * Copies a stopped data directory into an empty volume: reflinks where source and pool share a
 * copy-on-write filesystem, an in-kernel copy otherwise. Everything ends up owned by the
 * postgres user; modes are kept. A linked pg_wal is copied as a real directory so the copy
 * stands alone. Runtime files of a server (postmaster.pid/opts) are left behind.
 *
 * <p>kopid copies as root from a tree its owner may change meanwhile, so it reads the source
 * only through open directories and never follows a link: a directory swapped for a symlink
 * to /etc is copied as that symlink (or skipped), never as /etc. FIFOs and devices are skipped
 * without being opened for long.
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
        total = estimate(from);
        progress.report("copy", "copying " + from + " into the pool", 0, total);
        try (DirFd src = DirFd.open(from); DirFd dst = DirFd.open(to)) {
            copyChildren(src, dst, true);
        }
        progress.report("copy", "copied " + from, done.get(), total);
        return done.get();
    }

    /**
     * Copies the contents of the directory a data directory's pg_wal links to, {@code walTarget},
     * into {@code to}: only if it belongs to whoever owns the data directory {@code dataDir} (so a
     * source cannot make root copy some other user's files into a snapshot).
     */
    public long copyLinkedWal(Path dataDir, Path walTarget, Path to) throws IOException {
        try (DirFd data = DirFd.open(dataDir); DirFd wal = DirFd.open(walTarget); DirFd dst = DirFd.open(to)) {
            requireSameOwner(data, wal);
            copyChildren(wal, dst, false);
        }
        return done.get();
    }

    private void copyChildren(DirFd src, DirFd dst, boolean root) throws SysException {
        for (String name : src.list()) {
            if (root && SKIP_AT_ROOT.contains(name)) {
                continue;
            }
            Optional<DirFd> dir = src.openDir(name);
            if (dir.isPresent()) {
                try (DirFd d = dir.get()) {
                    dst.mkdir(name, DirFd.mode(d.attributes()) & 0777);
                    dst.chown(name, owner.uid(), owner.gid());
                    try (DirFd target = dst.openDir(name).orElseThrow(() -> new SysException("openat",
                            dst.path() + "/" + name, 20, "not a directory"))) {
                        copyChildren(d, target, false);
                    }
                }
                continue;
            }
            Optional<String> link = src.readlink(name);
            if (link.isPresent() && root && name.equals("pg_wal")) {
                Path real = Path.of(src.path()).resolve(link.get()).normalize();
                try (DirFd wal = DirFd.open(real)) {
                    requireSameOwner(src, wal);
                    dst.mkdir(name, 0700);
                    dst.chown(name, owner.uid(), owner.gid());
                    try (DirFd target = dst.openDir(name).orElseThrow()) {
                        copyChildren(wal, target, false);
                    }
                }
            } else if (link.isPresent()) {
                dst.symlink(link.get(), name);
                dst.chown(name, owner.uid(), owner.gid());
            } else {
                // -1 for sockets, fifos and devices: they have no place in a data directory
                src.copyFile(name, dst, name, owner.uid(), owner.gid(), this::advance);
            }
        }
    }

    private static void requireSameOwner(DirFd dataDir, DirFd wal) throws SysException {
        if (!dataDir.attributes().owner().equals(wal.attributes().owner())) {
            throw KopiException.precondition(dataDir.path() + "/pg_wal links to " + wal.path()
                    + ", which belongs to another user than the data directory; refusing to copy it");
        }
    }

    private void advance(long bytes) {
        long now = done.addAndGet(bytes);
        long t = System.nanoTime();
        if (t - lastReport > 250_000_000L) { // at most four reports a second
            lastReport = t;
            progress.report("copy", "copying", now, total);
        }
    }

    /** What a copy of {@code from} will copy, for progress: its files, a linked pg_wal's, not the runtime files. */
    private static long estimate(Path from) throws IOException {
        long bytes = sizeOf(from);
        Path wal = from.resolve("pg_wal");
        if (Files.isSymbolicLink(wal)) {
            bytes += sizeOf(wal.toRealPath());
        }
        for (String skipped : SKIP_AT_ROOT) {
            Path p = from.resolve(skipped);
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                bytes -= Files.size(p);
            }
        }
        return bytes;
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

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // an estimate: what cannot be read is left out
            }
        });
        return sum.get();
    }
}
