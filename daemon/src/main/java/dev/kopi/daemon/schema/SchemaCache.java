package dev.kopi.daemon.schema;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.sys.Posix;

/**
 * Snapshots' schemas kept in kopid's state directory, one file per snapshot and database: a
 * snapshot never changes, so its schema is read once. Files are root's alone (0600 in a 0700
 * directory) and written whole or not at all (a temporary file renamed over). A file is named
 * for its snapshot and keyed by the snapshot's creation time, the database and the reading's
 * format, so a snapshot deleted and made again under the same name, or a newer kopid, never reads
 * a stale one; files of snapshots no longer in the catalog are pruned.
 */
final class SchemaCache {
    private static final Logger LOG = Logger.getLogger(SchemaCache.class.getName());
    /** Changes whenever what is read, or how it is printed, changes: older files are then ignored and pruned. */
    static final String FORMAT = "1";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A current file's name; group 1 is its snapshot (names and tags may hold dots, the key never). */
    private static final Pattern NAME = Pattern.compile("(.+@.+)\\.[0-9a-f]{24}\\.v" + FORMAT + "\\.json");

    private final Path dir;

    SchemaCache(Path dir) {
        this.dir = dir;
    }

    /** The schema of {@code database} in {@code snap}, if kept. An unreadable file is removed. */
    Optional<Schema> get(SnapshotRecord snap, String database) {
        Path f = file(snap, database);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), Schema.class));
        } catch (IOException | RuntimeException e) {
            LOG.warning("ignoring unreadable schema cache " + f + ": " + e.getMessage());
            deleteQuietly(f);
            return Optional.empty();
        }
    }

    /** Keeps {@code schema}; a failure is logged (the next diff reads the snapshot again). */
    void put(SnapshotRecord snap, String database, Schema schema) {
        Path f = file(snap, database);
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            Posix.chmod(dir, 0700);
            tmp = Files.createTempFile(dir, ".tmp-", ".json");
            Posix.chmod(tmp, 0600);
            JSON.writeValue(tmp.toFile(), schema);
            try {
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warning("cannot keep the schema of " + snap.name() + " in " + dir + ": " + e.getMessage());
            if (tmp != null) {
                deleteQuietly(tmp);
            }
        }
    }

    /** Removes the files of snapshots not in {@code snapshots} (SOURCE@TAG), of older formats, and stray temporary files. */
    void prune(Set<String> snapshots) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                Matcher m = NAME.matcher(n);
                boolean current = m.matches() && snapshots.contains(m.group(1));
                // A temporary file may be another diff's being written: only old ones are strays.
                boolean staleTemp = n.startsWith(".tmp-") && Files.getLastModifiedTime(f).toMillis()
                        < System.currentTimeMillis() - 3_600_000L;
                if ((!current && !n.startsWith(".tmp-")) || staleTemp) {
                    deleteQuietly(f);
                }
            }
        } catch (IOException e) {
            LOG.fine("cannot prune " + dir + ": " + e.getMessage());
        }
    }

    /** SOURCE@TAG.KEY.vFORMAT.json, KEY being 24 hex digits. */
    Path file(SnapshotRecord snap, String database) {
        return dir.resolve(snap.name() + "." + key(snap, database) + ".v" + FORMAT + ".json");
    }

    private static String key(SnapshotRecord snap, String database) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] d = sha.digest((snap.createdAt() + "\n" + database).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteQuietly(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            LOG.fine("cannot remove " + f + ": " + e.getMessage());
        }
    }
}
