package dev.kopi.daemon.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.SnapshotRecord;

class SchemaCacheTest {
    @TempDir
    Path tmp;

    private static SnapshotRecord snap(String source, String tag, Instant at) {
        return SnapshotRecord.builder().source(source).tag(tag).createdAt(at).version("15").superuser("postgres")
                .database("app").build();
    }

    private static final Schema SCHEMA = new Schema(List.of(new SchemaObject("table", "public.t", "CREATE TABLE public.t"),
            new SchemaObject("acl", "table public.t", "=r/postgres")));

    @Test
    void aKeptSchemaReadsBackEqualFromAPrivateFile() throws IOException {
        Path dir = tmp.resolve("schema-cache");
        SchemaCache cache = new SchemaCache(dir);
        SnapshotRecord s = snap("demo.v2", "20261201T000000Z", Instant.parse("2026-12-01T00:00:00Z"));
        assertEquals(Optional.empty(), cache.get(s, "app"));
        cache.put(s, "app", SCHEMA);
        assertEquals(Optional.of(SCHEMA), cache.get(s, "app"));
        assertEquals(Optional.empty(), cache.get(s, "other"), "keyed by database");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache.file(s, "app"))));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left");
        }
    }

    @Test
    void aSnapshotMadeAgainUnderTheSameNameDoesNotReadTheOldOnesSchema() {
        SchemaCache cache = new SchemaCache(tmp);
        cache.put(snap("demo", "t1", Instant.parse("2026-12-01T00:00:00Z")), "app", SCHEMA);
        assertEquals(Optional.empty(), cache.get(snap("demo", "t1", Instant.parse("2026-12-01T00:00:01Z")), "app"));
    }

    @Test
    void pruningDropsDeletedSnapshotsUnreadableFilesAndOldFormats() throws IOException {
        SchemaCache cache = new SchemaCache(tmp);
        SnapshotRecord kept = snap("demo", "t1", Instant.EPOCH);
        SnapshotRecord gone = snap("demo", "t2", Instant.EPOCH);
        cache.put(kept, "app", SCHEMA);
        cache.put(gone, "app", SCHEMA);
        Path old = tmp.resolve("demo@t1.0123456789abcdef01234567.v0.json");
        Files.writeString(old, "{}");
        cache.prune(Set.of("demo@t1"));
        assertTrue(Files.exists(cache.file(kept, "app")));
        assertFalse(Files.exists(cache.file(gone, "app")));
        assertFalse(Files.exists(old));
        Files.writeString(cache.file(kept, "app"), "{not json");
        assertEquals(Optional.empty(), cache.get(kept, "app"), "an unreadable file is read again, not trusted");
        assertFalse(Files.exists(cache.file(kept, "app")));
    }
}
