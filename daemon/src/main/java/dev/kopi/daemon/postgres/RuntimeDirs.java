package dev.kopi.daemon.postgres;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.tls.Issued;
import dev.kopi.sys.Posix;

/**
 * Where instances keep their runtime files, below kopid's state directory, and the rules that
 * keep root safe there. kopid runs as root and each instance as its own identity, which can be
 * made to run anything its clone's superuser asks; so root never writes, chmods or lists through
 * a path such an identity could have planted:
 * <ul>
 * <li>{@code run/} is root's (0711). Root creates each instance's socket directory in it,
 * {@code run/PORT/} for a clone, {@code run/sID/} for a staging instance, then hands it to the
 * instance's identity (0700): that identity can fill it but never replace it.</li>
 * <li>{@code hba/} is root's (0755): the generated pg_hba.conf files, root's, 0640, group the
 * instance's, which reads its own and no other.</li>
 * <li>{@code logs/} is root's (0700): what each instance writes to stderr, capped.</li>
 * <li>{@code certs/} is root's (0755): TLS clones' certificates and keys, root's, each key 0640 with
 * its instance's group.</li>
 * </ul>
 */
public final class RuntimeDirs {
    private static final Logger LOG = Logger.getLogger(RuntimeDirs.class.getName());

    private final Path run;
    private final Path hba;
    private final Path logs;
    private final Path certs;

    public RuntimeDirs(Path state) {
        this.run = state.resolve("run");
        this.hba = state.resolve("hba");
        this.logs = state.resolve("logs");
        this.certs = state.resolve("certs");
    }

    /** Creates the three directories, or brings existing ones back to root ownership and their modes. */
    public void prepare() {
        try {
            for (Path d : new Path[] {run, hba, logs, certs}) {
                if (Files.isSymbolicLink(d)) {
                    throw KopiException.precondition(d + " is a symbolic link; kopid keeps runtime files only in "
                            + "directories of its own");
                }
                Files.createDirectories(d);
                Posix.chown(d, 0, 0);
            }
            Posix.chmod(run, 0711);
            Posix.chmod(hba, 0755);
            Posix.chmod(logs, 0700);
            Posix.chmod(certs, 0755);
        } catch (IOException e) {
            throw KopiException.internal("cannot prepare runtime directories below " + run.getParent() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * The socket directory of the instance known by {@code key}: a clone's port (clone names can
     * be too long for a socket path), or "sID" for a staging instance.
     */
    public Path socketDir(String key) {
        return run.resolve(key);
    }

    /** Creates (as root, in root's run/) a socket directory and hands it to {@code user}, mode 0700. */
    public Path createSocketDir(Path dir, OsUser user) {
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.deleteIfExists(dir); // not a directory: debris of ours, never the postgres user's
                Files.createDirectory(dir);
            }
            Posix.chown(dir, user.uid(), user.gid());
            Posix.chmod(dir, 0700);
            return dir;
        } catch (IOException e) {
            throw KopiException.internal("cannot prepare socket directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes a socket directory and what the instance left in it. Entries are unlinked, never
     * followed; anything unexpected (a subdirectory) makes the removal stop and be logged.
     */
    public void removeSocketDir(Path dir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (NoSuchFileException gone) {
            // nothing to remove
        } catch (IOException e) {
            LOG.warning("could not remove " + dir + ": " + e.getMessage());
        }
    }

    /** The pg_hba.conf of the instance known by {@code key} (a port, or "sID" for staging). */
    public Path hbaFile(String key) {
        return hba.resolve(key + ".conf");
    }

    /**
     * Writes an hba file: root's, group {@code reader}'s, 0640. The instance reads it and cannot
     * change it; no other instance reads it (it names the clone's role).
     */
    public void writeHba(Path file, String content, OsUser reader) {
        try {
            Files.writeString(file, content, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            Posix.chown(file, 0, reader.gid());
            Posix.chmod(file, 0640);
        } catch (IOException e) {
            throw KopiException.internal("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the TLS certificate (chain) and key of the instance known by {@code key} into
     * {@code certs/}: root's files, the key 0640 with group {@code reader}'s (Postgres accepts a
     * key owned by root only so), and returns the settings that make the instance use them.
     */
    public Map<String, String> writeCertificate(String key, Issued issued, OsUser reader) {
        Path crt = certs.resolve(key + ".crt");
        Path pem = certs.resolve(key + ".key");
        try {
            writeRootFile(crt, issued.chainPem(), reader, 0644);
            writeRootFile(pem, issued.keyPem(), reader, 0640);
        } catch (IOException e) {
            throw KopiException.internal("cannot write the certificate of instance " + key + ": " + e.getMessage(), e);
        }
        return Map.of("ssl", "on", "ssl_cert_file", crt.toString(), "ssl_key_file", pem.toString());
    }

    public void removeCertificate(String key) {
        deleteQuietly(certs.resolve(key + ".crt"));
        deleteQuietly(certs.resolve(key + ".key"));
    }

    /** A new file in one of root's own directories, never readable beyond {@code mode}, not even while written. */
    private static void writeRootFile(Path file, String content, OsUser group, int mode) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        Posix.chown(file, 0, group.gid());
        Posix.chmod(file, mode);
    }

    /** An hba file's content, "" when there is none (kopid's own file in its own directory). */
    public String readHba(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    public void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.fine("could not delete " + file + ": " + e.getMessage());
        }
    }

    /**
     * Keeps every log below {@code maxBytes} (an instance can be made to log without end, e.g.
     * log_statement = all): a log that grew beyond keeps its last half in NAME.log.1 and starts
     * again empty. Postgres appends (O_APPEND), so it writes on at the new end.
     */
    public void capLogs(long maxBytes) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(logs, "*.log")) {
            for (Path log : entries) {
                if (Files.isRegularFile(log, LinkOption.NOFOLLOW_LINKS) && Files.size(log) > maxBytes) {
                    rotate(log, maxBytes / 2);
                }
            }
        } catch (IOException e) {
            LOG.fine("could not cap the logs in " + logs + ": " + e.getMessage());
        }
    }

    private static void rotate(Path log, long keep) throws IOException {
        Path older = log.resolveSibling(log.getFileName() + ".1");
        try (FileChannel in = FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
             FileChannel out = FileChannel.open(older, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
            long size = in.size();
            in.transferTo(Math.max(0, size - keep), keep, out);
            in.truncate(0);
        }
    }

    public Path logFile(String name) {
        return logs.resolve(name + ".log");
    }

    /**
     * Removes runtime files of instances that no longer exist: staging socket directories and
     * hba files (no staging instance survives a restart) and those of ports no clone uses.
     */
    public void removeStale(Set<Integer> portsInUse) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(run)) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                if (n.matches("s[0-9a-f]{8}") || n.matches("\\d{1,5}") && !portsInUse.contains(Integer.parseInt(n))) {
                    removeSocketDir(p);
                }
            }
        } catch (IOException e) {
            LOG.fine("could not clean " + run + ": " + e.getMessage());
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(hba)) {
            for (Path p : entries) {
                String n = p.getFileName().toString().replaceFirst("\\.conf$", "");
                // A standby's ("r" and 8 hex digits) outlives kopid like a clone's: it is adopted.
                if (!n.matches("r[0-9a-f]{8}") && (!n.matches("\\d{1,5}") || !portsInUse.contains(Integer.parseInt(n)))) {
                    deleteQuietly(p);
                }
            }
        } catch (IOException e) {
            LOG.fine("could not clean " + hba + ": " + e.getMessage());
        }
    }
}
