package dev.kopi.daemon.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.SnapshotRef;

class CatalogTest {
    @TempDir
    Path dir;
    private Path file;
    private Catalog catalog;

    @BeforeEach
    void open() {
        file = dir.resolve("state").resolve("catalog.json");
        assertTrue(file.getParent().toFile().mkdirs());
        catalog = new Catalog(new CatalogStore(file));
    }

    private Catalog reopened() {
        return new Catalog(new CatalogStore(file));
    }

    @Test
    void newCatalogIsEmpty() {
        assertEquals(Map.of("sources", 0, "snapshots", 0, "clones", 0), catalog.counts());
        assertTrue(catalog.sources().isEmpty());
        assertEquals(Optional.empty(), catalog.clone("c1"));
    }

    @Test
    void everyRecordTypeSurvivesAReopen() {
        SourceRecord src = Records.source("prod");
        SnapshotRecord snap = Records.snapshot("prod", "20261123T020000Z");
        CloneRecord clone = Records.clone("c1", snap.name());
        RefreshRecord refresh = Records.refresh("prod");
        catalog.putSource(src);
        catalog.putSnapshot(snap);
        catalog.putClone(clone);
        catalog.putRefresh(refresh);

        Catalog again = reopened();
        assertEquals(List.of(src), again.sources());
        assertEquals(Optional.of(snap), again.snapshot(SnapshotRef.parse("prod@20261123T020000Z")));
        assertEquals(Optional.of(clone), again.clone("c1"));
        assertEquals(Optional.of(refresh), again.refresh("prod"));
        assertEquals(Map.of("sources", 1, "snapshots", 1, "clones", 1), again.counts());
    }

    @Test
    void putReplacesARecordWithTheSameName() {
        catalog.putClone(Records.clone("c1", "a@t1"));
        catalog.putClone(Records.clone("c1", "b@t2"));
        assertEquals(1, catalog.clones().size());
        assertEquals("b@t2", reopened().clone("c1").orElseThrow().snapshot().toString());
    }

    @Test
    void removalsArePersisted() {
        catalog.putSnapshot(Records.snapshot("prod", "t1"));
        catalog.putClone(Records.clone("c1", "prod@t1"));
        catalog.removeClone("c1");
        catalog.removeSnapshot(SnapshotRef.parse("prod@t1"));
        Catalog again = reopened();
        assertTrue(again.clones().isEmpty());
        assertTrue(again.snapshots().isEmpty());
    }

    @Test
    void removeSourceAlsoForgetsItsLastRefresh() {
        catalog.putSource(Records.source("prod"));
        catalog.putRefresh(Records.refresh("prod"));
        catalog.putRefresh(Records.refresh("other"));
        catalog.removeSource("prod");
        assertEquals(Optional.empty(), reopened().refresh("prod"));
        assertTrue(reopened().refresh("other").isPresent());
    }

    @Test
    void cloneNamesOfListsOnlyClonesOfThatExactSnapshot() {
        catalog.putClone(Records.clone("a", "prod@t1"));
        catalog.putClone(Records.clone("b", "prod@t2"));
        catalog.putClone(Records.clone("c", "prod@t1"));
        catalog.putClone(Records.clone("d", "prod2@t1"));
        assertEquals(List.of("a", "c"), catalog.cloneNamesOf(SnapshotRef.parse("prod@t1")));
        assertEquals(List.of(), catalog.cloneNamesOf(SnapshotRef.parse("prod")));
    }

    @Test
    void removeAllDropsTheNamedRecordsAndIgnoresUnknownNames() {
        catalog.putSnapshot(Records.snapshot("prod", "t1"));
        catalog.putSnapshot(Records.snapshot("prod", "t2"));
        catalog.putClone(Records.clone("a", "prod@t1"));
        catalog.putClone(Records.clone("b", "prod@t2"));
        catalog.removeAll(List.of(SnapshotRef.parse("prod@t1"), SnapshotRef.parse("nope@x")), List.of("b", "ghost"));
        Catalog again = reopened();
        assertEquals(List.of(Records.snapshot("prod", "t2")), again.snapshots());
        assertEquals(List.of(Records.clone("a", "prod@t1")), again.clones());
    }

    @Test
    void listsAreSnapshotsNotLiveViews() {
        List<CloneRecord> before = catalog.clones();
        catalog.putClone(Records.clone("a", "p@t"));
        assertTrue(before.isEmpty());
        assertThrows(UnsupportedOperationException.class, () -> catalog.clones().clear());
    }

    @Test
    void failedWriteIsInternalAndLeavesMemoryAndDiskUnchanged() throws Exception {
        catalog.putSource(Records.source("kept"));
        String onDisk = Files.readString(file);
        // A non-empty directory where the temp file goes: it can be neither removed nor replaced.
        Files.writeString(Files.createDirectory(file.resolveSibling("catalog.json.tmp")).resolve("x"), "x");

        KopiException e = assertThrows(KopiException.class, () -> catalog.putSource(Records.source("lost")));
        assertEquals(KopiException.Kind.INTERNAL, e.kind());
        assertThrows(KopiException.class, () -> catalog.removeSource("kept"));

        assertEquals(List.of(Records.source("kept")), catalog.sources());
        assertEquals(onDisk, Files.readString(file));
    }

    @Test
    void stateDirectoryReplacedByAFileMakesChangesFailWithoutTouchingMemory() throws Exception {
        catalog.putClone(Records.clone("kept", "p@t"));
        Path state = file.getParent();
        Files.delete(file);
        Files.delete(state);
        Files.writeString(state, "not a directory");

        KopiException e = assertThrows(KopiException.class, () -> catalog.putClone(Records.clone("lost", "p@t")));
        assertEquals(KopiException.Kind.INTERNAL, e.kind());
        assertThrows(KopiException.class, () -> catalog.removeAll(List.of(), List.of("kept")));
        assertEquals(List.of("kept"), catalog.clones().stream().map(CloneRecord::name).toList());
        assertEquals(Map.of("sources", 0, "snapshots", 0, "clones", 1), catalog.counts());
    }

    @Test
    void newerCatalogIsRefusedAtOpen() throws Exception {
        Files.writeString(file, "{\"version\": 99, \"clones\": {}}");
        KopiException e = assertThrows(KopiException.class, this::reopened);
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
    }

    @Test
    void concurrentChangesAreAllKept() throws Exception {
        Thread[] threads = new Thread[8];
        for (int t = 0; t < threads.length; t++) {
            int id = t;
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 10; i++) {
                    catalog.putClone(Records.clone("c" + id + "-" + i, "p@t"));
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(80, catalog.clones().size());
        assertEquals(80, reopened().clones().size());
    }
}
