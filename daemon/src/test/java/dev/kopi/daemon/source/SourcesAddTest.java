package dev.kopi.daemon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CatalogStore;
import dev.kopi.daemon.catalog.SourceRecord;
import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.testing.CloneFixture;
import dev.kopi.daemon.testing.SourcesFixture;

/** Sources.add(SourceDefinition) and how sources are listed. */
class SourcesAddTest {
    static final String SECRET = "s3cretPw";

    @TempDir
    Path tmp;
    private SourcesFixture x;
    private Path seed1;
    private Path seed2;
    private Path mask;
    private Path pwFile;

    /** name, datadir, basebackup, dump, seed, schedule, keep, transforms, password_file, password_env, database. */
    static SourceDefinition def(String name, String datadir, String basebackup, String dump, List<String> seed,
                                String schedule, Integer keep, List<String> transforms, String passwordFile,
                                String passwordEnv, String database) {
        return SourceDefinition.builder(name).datadir(datadir).basebackup(basebackup).dump(dump).seed(seed)
                .schedule(schedule).keep(keep).transforms(transforms).passwordFile(passwordFile)
                .passwordEnv(passwordEnv).database(database).build();
    }

    static SourceDefinition dump(String name, String conninfo) {
        return def(name, null, null, conninfo, List.of(), null, null, List.of(), null, null, null);
    }

    @BeforeEach
    void setUp() throws Exception {
        Source cfg = Source.ofDatadir("cfg", tmp.resolve("cfg-data"), null, Source.Origin.CONFIG);
        x = new SourcesFixture(tmp, Map.of("cfg", cfg));
        Path scripts = Files.createDirectories(tmp.resolve("scripts"));
        seed1 = Files.writeString(scripts.resolve("01-schema.sql"), "create table t (id int);\n");
        seed2 = Files.writeString(scripts.resolve("02-data.sql"), "insert into t values (1);\n");
        mask = Files.writeString(scripts.resolve("mask.sql"), "update t set id = 0;\n");
        pwFile = Files.writeString(tmp.resolve("pw"), SECRET + "\n");
    }

    @AfterEach
    void tearDown() {
        x.close();
    }

    @Test
    void aBasebackupSourceIsStoredWithItsConnectionStringAsGiven() {
        String conn = "host=db1 user=kopi password=" + SECRET;
        SourceDefinition d = SourceDefinition.builder("replica").basebackup(conn).superuser("admin")
                .schedule("0 3 * * *").keep(3).transforms(List.of(mask.toString())).maxRate("50M").build();
        Source s = x.sources.add(d);
        assertEquals(Source.Kind.BASEBACKUP, s.kind());
        assertEquals("api", s.origin().word());
        assertEquals(SECRET, s.conninfo().password());
        assertEquals("admin", s.superuser());

        SourceRecord r = x.f.catalog.source("replica").orElseThrow();
        assertEquals("basebackup", r.kind());
        assertEquals(conn, r.conninfo());
        assertNull(r.datadir());
        assertEquals(List.of(), r.seed());
        assertEquals("admin", r.superuser());
        assertEquals(CloneFixture.NOW.toString(), r.createdAt().toString());
        assertEquals(new SourceSettings("0 3 * * *", 3, List.of(mask.toString()), null, null, null, null, "50M"),
                r.settings());
        assertFalse(s.location().contains(SECRET), s.location());
    }

    @Test
    void aDumpSourceKeepsItsSettingsAcrossARestart() {
        SourceDefinition d = SourceDefinition.builder("copy").dump("postgresql://kopi@db1/app").schedule("@daily")
                .keep(2).transforms(List.of(mask.toString())).passwordFile(pwFile.toString()).database("appcopy")
                .jobs(4).schemas(List.of("public")).excludeSchemas(List.of("audit")).excludeTables(List.of("public.big"))
                .excludeTableData(List.of("public.log")).noOwner(true).build();
        Source added = x.sources.add(d);

        Catalog reopened = new Catalog(new CatalogStore(tmp.resolve("catalog.json")));
        Sources again = new Sources(Map.of(), reopened, x.refresher, x.f.clock, List.of(), new Events(x.f.clock));
        Source s = again.get("copy").source();
        assertEquals(Source.Kind.DUMP, s.kind());
        assertEquals("api", s.origin().word());
        assertEquals(added.settings(), s.settings());
        assertEquals(new SourceSettings.DumpOptions(4, List.of("public"), List.of("audit"), List.of("public.big"),
                List.of("public.log"), true), s.settings().dump());
        assertEquals(pwFile.toString(), s.settings().passwordFile());
        assertEquals("appcopy", s.settings().database());
        assertEquals("db1", s.conninfo().get("host"));
        again.close();
    }

    @Test
    void aSeedSourceKeepsItsScriptsInOrder() {
        Source s = x.sources.add(def("seeded", null, null, null, List.of(seed2.toString(), seed1.toString()), null,
                null, List.of(), null, null, "app"));
        assertEquals(List.of(seed2, seed1), s.seed());
        assertEquals(List.of(seed2.toString(), seed1.toString()), x.f.catalog.source("seeded").orElseThrow().seed());
        assertNull(x.f.catalog.source("seeded").orElseThrow().conninfo());
        assertEquals(List.of(seed2, seed1), x.sources.get("seeded").source().seed());
    }

    @Test
    void seedScriptsMustExistNow() {
        Path missing = tmp.resolve("scripts/03-missing.sql");
        KopiException e = assertThrows(KopiException.class, () -> x.sources.add(def("seeded", null, null, null,
                List.of(seed1.toString(), missing.toString()), null, null, List.of(), null, null, null)));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(x.f.catalog.sources().isEmpty());

        Path dir = tmp.resolve("scripts");
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, assertThrows(KopiException.class,
                () -> x.sources.add(def("seeded", null, null, null, List.of(dir.toString()), null, null, List.of(),
                        null, null, null))).kind(), "a directory is not a script");
    }

    @Test
    void transformsMustExistNow() {
        Path missing = tmp.resolve("scripts/nope.sql");
        KopiException e = assertThrows(KopiException.class, () -> x.sources.add(def("copy", null, null,
                "host=db1", List.of(), null, null, List.of(mask.toString(), missing.toString()), null, null, null)));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("transform"), e.getMessage());
        assertTrue(x.f.catalog.sources().isEmpty());
    }

    @Test
    void thePasswordFileMustExistNowAndItsContentIsNeverShown() {
        Path missing = tmp.resolve("no-pw");
        KopiException e = assertThrows(KopiException.class, () -> x.sources.add(def("copy", null, null,
                "host=db1", List.of(), null, null, List.of(), missing.toString(), null, null)));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("password_file"), e.getMessage());
        assertTrue(x.f.catalog.sources().isEmpty());

        Source s = x.sources.add(def("copy", null, null, "host=db1", List.of(), null, null, List.of(),
                pwFile.toString(), null, null));
        assertNull(s.conninfo().password(), "the file is read when connecting, not stored");
        assertFalse(Files.exists(tmp.resolve("catalog.json")) && readCatalog().contains(SECRET));
    }

    private String readCatalog() {
        try {
            return Files.readString(tmp.resolve("catalog.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void invalidDefinitionsAreRefusedAndNothingIsStored() {
        for (SourceDefinition d : List.of(
                def("copy", null, null, null, List.of(), null, null, List.of(), null, null, null),
                def("copy", "/srv/pg/../pg", null, null, List.of(), null, null, List.of(), null, null, null),
                def("copy", null, null, "junk password=" + SECRET, List.of(), null, null, List.of(), null, null, null),
                def("copy", null, null, "host=db1", List.of(), "whenever", null, List.of(), null, null, null),
                def("Copy", null, null, "host=db1", List.of(), null, null, List.of(), null, null, null))) {
            KopiException e = assertThrows(KopiException.class, () -> x.sources.add(d));
            assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
            assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        }
        assertTrue(x.f.catalog.sources().isEmpty());
    }

    @Test
    void takenNamesAreRefusedWhateverTheKind() {
        x.sources.add(dump("copy", "host=db1"));
        KopiException e = assertThrows(KopiException.class, () -> x.sources.add(def("copy", null, null, null,
                List.of(seed1.toString()), null, null, List.of(), null, null, null)));
        assertEquals(KopiException.Kind.ALREADY_EXISTS, e.kind());
        assertEquals(KopiException.Kind.ALREADY_EXISTS,
                assertThrows(KopiException.class, () -> x.sources.add(dump("cfg", "host=db1"))).kind());
        assertEquals("host=db1", x.f.catalog.source("copy").orElseThrow().conninfo());
        assertTrue(x.f.catalog.source("cfg").isEmpty());
    }

    @Test
    void allListsConfigSourcesByNameThenApiSources() throws Exception {
        x.close();
        Map<String, Source> configured = Map.of(
                "zeta", Source.ofDatadir("zeta", Path.of("/srv/zeta"), null, Source.Origin.CONFIG),
                "alpha", Source.ofDatadir("alpha", Path.of("/srv/alpha"), null, Source.Origin.CONFIG));
        x = new SourcesFixture(tmp.resolve("second"), configured);
        x.sources.add(dump("mid", "host=db1"));
        x.sources.add(def("beta", null, null, null, List.of(seed1.toString()), null, null, List.of(), null, null,
                null));
        assertEquals(List.of("alpha", "zeta", "beta", "mid"), x.sources.all().stream().map(Source::name).toList());
        assertEquals(List.of("config", "config", "api", "api"), x.sources.all().stream().map(s -> s.origin().word()).toList());
        assertEquals(List.of("alpha", "zeta", "beta", "mid"),
                x.sources.list().stream().map(v -> v.source().name()).toList());
    }

    @Test
    void aConfigSourceHidesAnApiSourceOfTheSameName() {
        // stored through the API by an earlier kopid, then also defined in the config file
        x.f.catalog.putSource(new SourceRecord("cfg", "dump", null, null, Instant.parse("2026-01-01T00:00:00Z"), "host=db1",
                List.of(), null));
        List<Source> all = x.sources.all();
        assertEquals(1, all.stream().filter(s -> s.name().equals("cfg")).count());
        assertEquals("config", x.sources.get("cfg").source().origin().word());
    }

    @Test
    void aRecordWrittenBeforeSettingsExistedHasDefaultSettings() {
        x.f.catalog.putSource(SourceRecord.ofDatadir("old", "/srv/old", "admin", Instant.parse("2026-01-01T00:00:00Z")));
        Source s = x.sources.get("old").source();
        assertEquals(Source.Kind.DATADIR, s.kind());
        assertEquals(Path.of("/srv/old"), s.datadir());
        assertEquals(SourceSettings.NONE, s.settings());
        assertEquals("admin", s.superuser());
        assertEquals("api", s.origin().word());
    }

    @Test
    void theViewShowsTheNextScheduledRefresh() {
        x.sources.add(def("nightly", null, null, "host=db1 password=" + SECRET, List.of(), "0 3 * * *", null,
                List.of(), null, null, null));
        x.sources.add(dump("manual", "host=db1"));
        Sources.SourceView nightly = x.sources.get("nightly");
        assertEquals(Instant.parse("2026-11-24T03:00:00Z"), nightly.nextRefresh());
        assertEquals("at 03:00", nightly.scheduleDescription());
        assertFalse(nightly.refreshing());
        assertEquals(0, nightly.snapshotCount());
        assertTrue(nightly.latest().isEmpty());
        assertTrue(nightly.lastRefresh().isEmpty());
        assertFalse(nightly.source().location().contains(SECRET));
        x.f.clock.advance(Duration.ofHours(23));
        assertEquals(Instant.parse("2026-11-25T03:00:00Z"), x.sources.get("nightly").nextRefresh());

        Sources.SourceView manual = x.sources.get("manual");
        assertNull(manual.nextRefresh());
        assertEquals("", manual.scheduleDescription());
    }

    @Test
    void removedSourcesCanBeAddedAgain() {
        x.sources.add(dump("copy", "host=db1"));
        assertTrue(x.sources.isSource("copy"));
        x.sources.remove("copy", false);
        assertFalse(x.sources.isSource("copy"));
        assertEquals(KopiException.Kind.NOT_FOUND, assertThrows(KopiException.class, () -> x.sources.get("copy")).kind());
        Source again = x.sources.add(dump("copy", "host=db2"));
        assertEquals("db2", again.conninfo().get("host"));
    }

    @Test
    void addingTheOldWayStillMakesADataDirectorySource() throws Exception {
        Path datadir = Files.createDirectories(tmp.resolve("pg/16/main"));
        Files.writeString(datadir.resolve("PG_VERSION"), "16\n");
        Source s = x.sources.add("shop", datadir.toString());
        assertEquals(Source.Kind.DATADIR, s.kind());
        SourceRecord r = x.f.catalog.source("shop").orElseThrow();
        assertEquals(datadir.toString(), r.datadir());
        assertNull(r.conninfo());
        assertNotNull(r.settings());
        assertEquals(KopiException.Kind.INVALID_ARGUMENT,
                assertThrows(KopiException.class, () -> x.sources.add("other", null)).kind());
    }
}
