package dev.kopi.daemon.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.sys.Errno;
import dev.kopi.sys.SmallFile;
import dev.kopi.sys.SysException;

/**
 * A PostgreSQL data directory on disk: its version, whether a postmaster runs on it, and what it
 * links to outside itself.
 */
public final class DataDirectory {
    /** Lines of postmaster.pid (PostgreSQL 10+). */
    private static final int PID_LINE = 0;
    private static final int STATUS_LINE = 7;

    private final Path dir;

    public DataDirectory(Path dir) {
        this.dir = dir;
    }

    public Path path() {
        return dir;
    }

    /** The major version from PG_VERSION; FAILED_PRECONDITION when this is not a data directory. */
    public String version() {
        byte[] raw;
        try {
            // The directory may belong to someone else: no symlinks, no FIFOs, a few bytes at most.
            raw = SmallFile.read(dir.resolve("PG_VERSION"), 16);
        } catch (SysException e) {
            if (e.errno() == Errno.ENOENT) {
                throw KopiException.precondition(dir + " is not a PostgreSQL data directory (it has no PG_VERSION)");
            }
            throw KopiException.precondition(dir + "/PG_VERSION is not a readable regular file (errno " + e.errno() + ")");
        }
        String v = new String(raw, StandardCharsets.US_ASCII).strip();
        if (!v.matches("\\d+(\\.\\d+)?")) {
            // Never echo the content: it is not ours to show.
            throw KopiException.precondition(dir + "/PG_VERSION does not hold a PostgreSQL version");
        }
        return v;
    }

    /** The postmaster running on this directory, if any (checked against the live process, not just the pid file). */
    public Optional<Long> runningPid() {
        List<String> lines = pidFile();
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(PID_LINE).strip());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return isPostmasterOf(pid, dir) ? Optional.of(pid) : Optional.empty();
    }

    /** Whether the postmaster says it accepts connections (postmaster.pid status "ready"). */
    public boolean ready() {
        List<String> lines = pidFile();
        return lines.size() > STATUS_LINE && lines.get(STATUS_LINE).strip().equals("ready");
    }

    /**
     * Whether a standby accepts (read-only) connections: status "standby". Only for a hot
     * standby: a server in archive recovery says "standby" for a moment even with hot_standby
     * off, before it promotes and says "ready".
     */
    public boolean readyAsStandby() {
        List<String> lines = pidFile();
        return lines.size() > STATUS_LINE && lines.get(STATUS_LINE).strip().equals("standby") || ready();
    }

    /** postmaster.pid's lines, or none when there is no such file. */
    public List<String> pidFile() {
        try {
            // Written by the postgres user, read by root: no symlinks, no FIFOs, bounded.
            byte[] raw = SmallFile.read(dir.resolve("postmaster.pid"), 4096);
            return List.of(new String(raw, StandardCharsets.UTF_8).split("\n", -1));
        } catch (SysException e) {
            return List.of();
        }
    }

    /**
     * A postmaster chdir()s into its data directory, so /proc/PID/cwd identifies it even when the
     * pid in a stale postmaster.pid now belongs to some other process.
     */
    static boolean isPostmasterOf(long pid, Path dir) {
        try {
            Path cwd = Files.readSymbolicLink(Path.of("/proc/" + pid + "/cwd"));
            return cwd.equals(dir.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    /** A tablespace link in pg_tblspc. */
    public record Tablespace(String oid, Path link, Path target) {
    }

    public List<Tablespace> tablespaces() {
        List<Tablespace> out = new ArrayList<>();
        Path tblspc = dir.resolve("pg_tblspc");
        try (DirectoryStream<Path> s = Files.newDirectoryStream(tblspc)) {
            for (Path link : s) {
                if (Files.isSymbolicLink(link)) {
                    Path target = Files.readSymbolicLink(link);
                    out.add(new Tablespace(link.getFileName().toString(), link,
                            target.isAbsolute() ? target.normalize() : tblspc.resolve(target).normalize()));
                }
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw KopiException.precondition("cannot read " + tblspc + ": " + e.getMessage());
        }
        return out;
    }

    /**
     * Refuses a data directory that is not one self-contained tree: a tablespace outside it would
     * be shared by every clone (or missing), and so would a linked pg_wal of a running server.
     */
    public void requireSelfContained(boolean running) {
        Path root = dir.normalize();
        for (Tablespace t : tablespaces()) {
            if (!t.target().startsWith(root)) {
                throw KopiException.precondition("data directory " + dir + " has tablespace " + t.oid() + " at "
                        + t.target() + ", outside the data directory; Kopi clones one directory tree, so move "
                        + "the tablespace inside it (or drop it) first");
            }
        }
        Path wal = dir.resolve("pg_wal");
        if (running && Files.isSymbolicLink(wal)) {
            throw KopiException.precondition("data directory " + dir + " links pg_wal outside itself and its server "
                    + "is running, so no single snapshot can capture it consistently; stop the server first");
        }
    }

    /** Whether pg_wal is a symlink (initdb -X). */
    public boolean walIsLinked() {
        return Files.isSymbolicLink(dir.resolve("pg_wal"));
    }

    public boolean exists() {
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS);
    }
}
