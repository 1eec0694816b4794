package dev.kopi.daemon.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.SnapshotRef;

class CatalogStoreTest {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("catalog.json");
    }

    private static CatalogState fullState() {
        SourceRecord withSuperuser = SourceRecord.ofDatadir("api-src", "/data/pg", "admin",
                Instant.parse("2026-01-01T00:00:00Z"));
        RefreshRecord ok = RefreshRecord.succeeded("prod", Instant.parse("2026-11-23T02:00:00Z"), 9_000L,
                SnapshotRef.parse("prod@20261123T020000Z"), false, null);
        return new CatalogState(1,
                new TreeMap<>(Map.of("prod", Records.source("prod"), "api-src", withSuperuser)),
                new TreeMap<>(Map.of("prod@20261123T020000Z", Records.snapshot("prod", "20261123T020000Z"))),
                new TreeMap<>(Map.of("c1", Records.clone("c1", "prod@20261123T020000Z"))),
                new TreeMap<>(Map.of("prod", ok, "api-src", Records.refresh("api-src"))));
    }

    @Test
    void missingFileLoadsAsEmpty() {
        CatalogState s = new CatalogStore(file()).load();
        assertEquals(CatalogState.empty(), s);
        assertEquals(CatalogState.CURRENT, s.version());
        assertFalse(Files.exists(file()), "loading does not create the file");
    }

    @Test
    void saveThenLoadRoundTripsEveryRecordType() {
        CatalogStore store = new CatalogStore(file());
        CatalogState state = fullState();
        store.save(state);
        assertEquals(state, new CatalogStore(file()).load());
    }

    @Test
    void savedFileIsReadableJsonWithTheFormatVersion() throws Exception {
        new CatalogStore(file()).save(fullState());
        String json = Files.readString(file());
        assertTrue(json.contains("\"version\" : 1"), json);
        assertTrue(json.contains("\"prod@20261123T020000Z\""), json);
    }

    @Test
    void savedFileIsOwnerOnly() throws Exception {
        new CatalogStore(file()).save(fullState());
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file()));
    }

    @Test
    void resavingKeepsTheFileOwnerOnlyAndLeavesNoTempFile() throws Exception {
        Files.writeString(file(), "{}");
        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-r--r--"));
        new CatalogStore(file()).save(fullState());
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file());
        assertEquals(PosixFilePermissions.fromString("rw-------"), perms);
        assertFalse(Files.exists(dir.resolve("catalog.json.tmp")));
    }

    @Test
    void leftoverTempFileDoesNotBreakLoad() throws Exception {
        CatalogStore store = new CatalogStore(file());
        store.save(fullState());
        Files.writeString(dir.resolve("catalog.json.tmp"), "{ torn write from a crash");
        assertEquals(fullState(), new CatalogStore(file()).load());
    }

    @Test
    void leftoverLongerTempFileIsFullyReplacedOnSave() throws Exception {
        Files.writeString(dir.resolve("catalog.json.tmp"), "x".repeat(100_000));
        CatalogStore store = new CatalogStore(file());
        store.save(fullState());
        assertEquals(fullState(), new CatalogStore(file()).load());
    }

    @Test
    void absentSectionsLoadAsEmptyMutableMaps() throws Exception {
        Files.writeString(file(), "{\"version\": 1, \"clones\": {}}");
        CatalogState s = new CatalogStore(file()).load();
        assertTrue(s.sources().isEmpty());
        assertTrue(s.snapshots().isEmpty());
        s.refreshes().put("x", Records.refresh("x"));
        assertEquals(1, s.refreshes().size());
    }

    @Test
    void unknownFieldsFromAnOlderOrSameVersionAreIgnored() throws Exception {
        Files.writeString(file(), "{\"version\": 1, \"note\": \"hand edited\", \"sources\": {\"s\": "
                + "{\"name\": \"s\", \"kind\": \"datadir\", \"datadir\": \"/d\", \"createdAt\": \"2026-01-01T00:00:00Z\", \"extra\": 1}}}");
        assertEquals(SourceRecord.ofDatadir("s", "/d", null, Instant.parse("2026-01-01T00:00:00Z")),
                new CatalogStore(file()).load().sources().get("s"));
    }

    @Test
    void newerFormatIsFailedPrecondition() throws Exception {
        Files.writeString(file(), "{\"version\": 2}");
        KopiException e = assertThrows(KopiException.class, () -> new CatalogStore(file()).load());
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("newer kopid"), e.getMessage());
        assertTrue(e.getMessage().contains(file().toString()), e.getMessage());
    }

    @Test
    void corruptFileIsInternal() throws Exception {
        Files.writeString(file(), "{ \"version\": 1, ");
        KopiException e = assertThrows(KopiException.class, () -> new CatalogStore(file()).load());
        assertEquals(KopiException.Kind.INTERNAL, e.kind());
        assertTrue(e.getMessage().contains("cannot read catalog"), e.getMessage());
    }

    @Test
    void saveIntoAPathUnderARegularFileIsInternal() throws Exception {
        Path notADir = Files.writeString(dir.resolve("plain-file"), "");
        CatalogStore store = new CatalogStore(notADir.resolve("catalog.json"));
        KopiException e = assertThrows(KopiException.class, () -> store.save(fullState()));
        assertEquals(KopiException.Kind.INTERNAL, e.kind());
        assertTrue(e.getMessage().startsWith("cannot write catalog "), e.getMessage());
    }
}
