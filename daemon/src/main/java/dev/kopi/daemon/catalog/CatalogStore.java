package dev.kopi.daemon.catalog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kopi.daemon.core.KopiException;

/**
 * Persists the catalog as one JSON file, replaced atomically: write a temp file, fsync it,
 * rename it over the old one, fsync the directory. A crash leaves either the old or the new
 * file, never a torn one. Chosen over an embedded database because the state is small (records
 * for hundreds of clones are tens of kilobytes), a person can read it, and one atomic rename is
 * all the transaction the flows need.
 */
public final class CatalogStore {
    private final Path file;
    private final ObjectMapper json = CatalogJson.mapper();

    public CatalogStore(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    public CatalogState load() {
        try {
            byte[] bytes = Files.readAllBytes(file);
            CatalogState s = json.readValue(bytes, CatalogState.class);
            if (s.version() > CatalogState.CURRENT) {
                throw KopiException.precondition("catalog " + file + " was written by a newer kopid (format "
                        + s.version() + "); upgrade kopid");
            }
            return s.normalized();
        } catch (NoSuchFileException e) {
            return CatalogState.empty();
        } catch (IOException e) {
            throw KopiException.internal("cannot read catalog " + file + ": " + e.getMessage(), e);
        }
    }

    public void save(CatalogState state) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            byte[] bytes = json.writeValueAsBytes(state);
            Files.deleteIfExists(tmp);
            // Holds clone passwords: root only from its first byte, whatever the umask.
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                ch.write(ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw KopiException.internal("cannot write catalog " + file + ": " + e.getMessage(), e);
        }
    }
}
