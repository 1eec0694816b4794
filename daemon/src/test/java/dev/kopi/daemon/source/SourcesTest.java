package dev.kopi.daemon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CatalogStore;
import dev.kopi.daemon.catalog.RefreshRecord;
import dev.kopi.daemon.config.ConfigLoader;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.postgres.Identities;
import dev.kopi.daemon.postgres.Instances;
import dev.kopi.daemon.postgres.LocalInstances;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.postgres.PgBinaries;
import dev.kopi.daemon.postgres.PgTools;
import dev.kopi.daemon.postgres.Postmaster;
import dev.kopi.daemon.postgres.RuntimeDirs;
import dev.kopi.daemon.source.fill.Staging;
import dev.kopi.daemon.storage.FakeStorageBackend;
import dev.kopi.daemon.testing.CloneFixture;
import dev.kopi.daemon.testing.ForbiddenProcessRunner;

class SourcesTest {
    private static final Instant NOW = Instant.parse("2026-11-23T05:00:00Z");

    @TempDir
    Path tmp;
    private Catalog catalog;
    private FakeStorageBackend backend;
    private ForbiddenProcessRunner runner;
    private Sources sources;
    private Path datadir;

    @BeforeEach
    void setUp() throws Exception {
        catalog = new Catalog(new CatalogStore(tmp.resolve("catalog.json")));
        backend = new FakeStorageBackend(tmp.resolve("pool"));
        runner = new ForbiddenProcessRunner();
        Postmaster postmaster = new Postmaster(runner, new PgBinaries(tmp.resolve("no-pg/{version}/bin").toString()),
                new OsUser("postgres", 101, 104), Duration.ofSeconds(1), Duration.ofSeconds(1));
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        for (String d : new String[] {"run", "hba", "logs"}) {
            Files.createDirectories(tmp.resolve(d));
        }
        PgBinaries binaries = new PgBinaries(tmp.resolve("no-pg/{version}/bin").toString());
        OsUser user = new OsUser("postgres", 101, 104);
        Instances instances = new LocalInstances(postmaster, new RuntimeDirs(tmp), ConfigLoader.defaults().postgres());
        Refresher refresher = new Refresher(new Staging(backend, instances, new PgTools(runner, binaries, user), 0,
                new Identities(CloneFixture.UID_FIRST, CloneFixture.UID_FIRST + 999), tmp.resolve("replicas")),
                catalog, clock);
        Map<String, Source> configured = Map.of("cfg", Source.ofDatadir("cfg", tmp.resolve("cfg-data"), null, Source.Origin.CONFIG));
        sources = new Sources(configured, catalog, refresher, clock, List.of(tmp.resolve("pool/clones")),
                new Events(clock));
        datadir = Files.createDirectories(tmp.resolve("pg/16/main"));
        Files.writeString(datadir.resolve("PG_VERSION"), "16\n");
    }

    @Test
    void aDataDirectoryInsideKopisOwnVolumesIsRefused() throws Exception {
        Path inside = Files.createDirectories(tmp.resolve("pool/clones/alice"));
        Files.writeString(inside.resolve("PG_VERSION"), "16\n");
        KopiException e = assertThrows(KopiException.class, () -> sources.add("sneaky", inside.toString()));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("inside Kopi's own volumes"), e.getMessage());
        assertTrue(catalog.sources().isEmpty());
    }

    @Test
    void controlCharactersInADataDirectoryAreRefused() {
        KopiException e = assertThrows(KopiException.class, () -> sources.add("esc", "/srv/\u001b[2Jpg"));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
    }

    @Test
    void addRecordsAnApiSource() {
        Source s = sources.add("shop", datadir.toString());
        assertEquals("api", s.origin().word());
        assertEquals(datadir, s.datadir());
        assertEquals(NOW.toString(), catalog.source("shop").orElseThrow().createdAt().toString());
        assertEquals(List.of("cfg", "shop"), sources.list().stream().map(v -> v.source().name()).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "relative/dir", "/a/../b", "/a/./b"})
    void addRefusesDataDirectoriesThatAreNotAbsoluteAndNormalized(String dir) {
        KopiException e = assertThrows(KopiException.class, () -> sources.add("shop", dir));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(catalog.sources().isEmpty());
    }

    @Test
    void addRefusesMissingDirectoriesAndNonDataDirectories() throws Exception {
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, assertThrows(KopiException.class,
                () -> sources.add("shop", tmp.resolve("missing").toString())).kind());
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, assertThrows(KopiException.class,
                () -> sources.add("shop", plain.toString())).kind());
    }

    @Test
    void addRefusesTakenNames() {
        sources.add("shop", datadir.toString());
        assertEquals(KopiException.Kind.ALREADY_EXISTS,
                assertThrows(KopiException.class, () -> sources.add("shop", datadir.toString())).kind());
        assertEquals(KopiException.Kind.ALREADY_EXISTS,
                assertThrows(KopiException.class, () -> sources.add("cfg", datadir.toString())).kind());
    }

    @Test
    void aNameThatNamesSnapshotsOfClonesIsNotASourceName() {
        catalog.putSnapshot(CloneFixture.snapshot("feature", "20261123T050000Z", "2026-11-23T05:00:00Z")
                .branchedFrom(SnapshotRef.parse("prod@20261123T020000Z"), "c1", null));
        KopiException e = assertThrows(KopiException.class, () -> sources.add("feature", datadir.toString()));
        assertEquals(KopiException.Kind.ALREADY_EXISTS, e.kind());
        assertTrue(e.getMessage().contains("names snapshots taken of clones"), e.getMessage());
        assertTrue(catalog.sources().isEmpty());
        assertFalse(sources.isSource("feature"));
        assertEquals(KopiException.Kind.NOT_FOUND, assertThrows(KopiException.class, () -> sources.get("feature")).kind());
        sources.add("feature2", datadir.toString());
        assertTrue(sources.isSource("feature2"), "other names are still free");
    }

    @Test
    void configSourcesCannotBeRemovedThroughTheApi() {
        KopiException e = assertThrows(KopiException.class, () -> sources.remove("cfg", false));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
    }

    @Test
    void sourceWithSnapshotsCannotBeRemoved() {
        sources.add("shop", datadir.toString());
        catalog.putSnapshot(CloneFixture.snapshot("shop", "t1", "2026-11-23T02:00:00Z"));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION,
                assertThrows(KopiException.class, () -> sources.remove("shop", false)).kind());
        catalog.removeSnapshot(SnapshotRef.parse("shop@t1"));
        sources.remove("shop", false);
        assertTrue(catalog.source("shop").isEmpty());
    }

    @Test
    void unknownSourceIsNotFound() {
        assertEquals(KopiException.Kind.NOT_FOUND, assertThrows(KopiException.class, () -> sources.get("nope")).kind());
    }

    @Test
    void failedRefreshIsRecordedAndNoLongerMarkedRunning() {
        KopiException e = assertThrows(KopiException.class, () -> sources.refresh("cfg", Progress.NONE));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());

        RefreshRecord r = catalog.refresh("cfg").orElseThrow();
        assertFalse(r.ok());
        assertEquals(e.getMessage(), r.error());
        assertEquals(NOW.toString(), r.startedAt().toString());
        assertFalse(sources.get("cfg").refreshing());
        assertTrue(backend.list().isEmpty());
        assertTrue(runner.calls().isEmpty());
        assertEquals(KopiException.Kind.FAILED_PRECONDITION,
                assertThrows(KopiException.class, () -> sources.refresh("cfg", Progress.NONE)).kind(),
                "a second refresh is not refused as already running");
    }
}
