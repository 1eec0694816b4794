package dev.kopi.daemon.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.SnapshotRef;

class SnapshotLookupTest {
    @TempDir
    Path tmp;
    private Catalog catalog;

    @BeforeEach
    void open() {
        catalog = new Catalog(new CatalogStore(tmp.resolve("catalog.json")));
    }

    private SnapshotRecord put(String source, String tag, String createdAt) {
        SnapshotRecord r = SnapshotRecord.builder().source(source).tag(tag).createdAt(Instant.parse(createdAt))
                .version("16").superuser("postgres").database("app").sizeBytes(1).buildMs(1).build();
        catalog.putSnapshot(r);
        return r;
    }

    @Test
    void sourceNameResolvesToTheNewestByCreationTime() {
        put("prod", "b", "2026-11-23T02:00:00Z");
        SnapshotRecord newest = put("prod", "a", "2026-11-24T02:00:00Z");
        put("prod2", "z", "2026-12-01T00:00:00Z");
        assertEquals(newest, SnapshotLookup.resolve(catalog, SnapshotRef.parse("prod")));
    }

    @Test
    void sameCreationTimeIsBrokenByTheHigherTag() {
        put("prod", "20261123T020000Z", "2026-11-23T02:00:00Z");
        SnapshotRecord second = put("prod", "20261123T020000Z-2", "2026-11-23T02:00:00Z");
        assertEquals(Optional.of(second), SnapshotLookup.latest(catalog, "prod"));
    }

    @Test
    void exactReferenceResolvesToThatSnapshot() {
        SnapshotRecord old = put("prod", "t1", "2026-11-23T02:00:00Z");
        put("prod", "t2", "2026-11-24T02:00:00Z");
        assertEquals(old, SnapshotLookup.resolve(catalog, SnapshotRef.parse("prod@t1")));
    }

    @Test
    void ofSourceListsOnlyThatSourceNewestFirst() {
        SnapshotRecord a = put("prod", "t1", "2026-11-23T02:00:00Z");
        SnapshotRecord b = put("prod", "t2", "2026-11-24T02:00:00Z");
        put("production", "t3", "2026-11-25T02:00:00Z");
        assertEquals(List.of(b, a), SnapshotLookup.ofSource(catalog, "prod"));
    }

    @Test
    void missingSnapshotsAreNotFoundWithAHint() {
        put("prod", "t1", "2026-11-23T02:00:00Z");
        KopiException exact = assertThrows(KopiException.class,
                () -> SnapshotLookup.resolve(catalog, SnapshotRef.parse("prod@t9")));
        assertEquals(KopiException.Kind.NOT_FOUND, exact.kind());
        KopiException none = assertThrows(KopiException.class,
                () -> SnapshotLookup.resolve(catalog, SnapshotRef.parse("other")));
        assertEquals(KopiException.Kind.NOT_FOUND, none.kind());
        assertTrue(none.getMessage().contains("kopictl refresh other"), none.getMessage());
    }
}
