package dev.kopi.daemon.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.catalog.RefreshRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.core.Trigger;
import dev.kopi.daemon.source.Conninfo;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.source.SourceDefinition;
import dev.kopi.daemon.source.Sources;
import dev.kopi.proto.v1.AddSourceRequest;

class ProtosSourceTest {
    private static SnapshotRecord snapshot(String source, String tag) {
        return SnapshotRecord.builder().source(source).tag(tag).createdAt(Instant.parse("2026-11-23T02:00:00Z"))
                .version("16").superuser("admin").database("app").sizeBytes(1).buildMs(1).build();
    }

    private static final String SECRET = "s3cret";

    private static Sources.SourceView view(Source s) {
        return new Sources.SourceView(s, 0, Optional.empty(), Optional.empty(), false, null, "");
    }

    @ParameterizedTest
    @ValueSource(strings = {"host=db1 user=kopi password=" + SECRET + " dbname=app",
            "password='" + SECRET + " x' host=db1", "postgresql://kopi:" + SECRET + "@db1:5432/app",
            "postgresql://db1/app?sslmode=require&password=" + SECRET})
    void aSourceMessageNeverCarriesThePassword(String conn) {
        for (Source.Kind kind : List.of(Source.Kind.BASEBACKUP, Source.Kind.DUMP)) {
            Source s = new Source("db", kind, null, Conninfo.parse(conn), List.of(), "admin",
                    new SourceSettings("0 3 * * *", 2, List.of("/etc/kopi/mask.sql"), null, null, null, null, null),
                    Source.Origin.API);
            dev.kopi.proto.v1.Source p = Protos.source(new Sources.SourceView(s, 3,
                    Optional.of(snapshot("db", "t1")),
                    Optional.of(RefreshRecord.succeeded("db", Instant.parse("2026-11-23T03:00:00Z"), 5,
                            SnapshotRef.parse("db@t1"), false, Trigger.SCHEDULE)),
                    true, Instant.parse("2026-11-24T03:00:00Z"), "at 03:00"));
            assertFalse(p.toString().contains(SECRET), p.toString());
            assertFalse(p.toByteString().toStringUtf8().contains(SECRET), "not in the wire form either");
            assertTrue(p.getLocation().contains(Conninfo.MASK), p.getLocation());
            assertEquals(kind.word(), p.getKind());
            assertEquals("db1", Conninfo.parse(p.getLocation()).get("host"));
        }
    }

    @Test
    void passwordFileAndEnvAreShownByNameOnly() {
        Source s = new Source("db", Source.Kind.DUMP, null, Conninfo.parse("host=db1"), List.of(), null,
                new SourceSettings(null, 0, List.of(), "/etc/kopi/pw", null, null, null, null), Source.Origin.API);
        var settings = Protos.source(view(s)).getSettings();
        assertEquals("/etc/kopi/pw", settings.getPasswordFile());
        assertEquals("", settings.getPasswordEnv());
    }

    @Test
    void everyFieldOfASourceIsMapped() {
        Source s = new Source("copy", Source.Kind.DUMP, null, Conninfo.parse("host=db1 dbname=app"), List.of(), "admin",
                new SourceSettings("@daily", 4, List.of("/m1.sql", "/m2.sql"), null, "KOPI_PW", "appcopy",
                        new SourceSettings.DumpOptions(3, List.of("public"), List.of("audit"), List.of("t1"),
                                List.of("t2"), true), null), Source.Origin.CONFIG);
        dev.kopi.proto.v1.Source p = Protos.source(new Sources.SourceView(s, 2,
                Optional.of(snapshot("copy", "t9")),
                Optional.of(RefreshRecord.failed("copy", Instant.parse("2026-11-23T03:00:00Z"), 5, "pool is full",
                        null)),
                false, Instant.parse("2026-11-24T00:00:00Z"), "at 00:00"));
        assertEquals("copy", p.getName());
        assertEquals("dump", p.getKind());
        assertEquals("host=db1 dbname=app", p.getLocation());
        assertEquals("config", p.getOrigin());
        assertEquals(2, p.getSnapshotCount());
        assertEquals("copy@t9", p.getLatestSnapshot());
        assertFalse(p.getRefreshing());
        assertEquals("2026-11-24T00:00:00Z", p.getNextRefreshAt());
        assertEquals("at 00:00", p.getScheduleDescription());
        assertFalse(p.getLastRefresh().getOk());
        assertEquals("pool is full", p.getLastRefresh().getError());
        assertEquals("", p.getLastRefresh().getTrigger());
        var st = p.getSettings();
        assertEquals("@daily", st.getSchedule());
        assertEquals(4, st.getKeep());
        assertEquals(List.of("/m1.sql", "/m2.sql"), st.getTransformsList());
        assertEquals("KOPI_PW", st.getPasswordEnv());
        assertEquals("appcopy", st.getDatabase());
        assertEquals(3, st.getJobs());
        assertEquals(List.of("public"), st.getSchemasList());
        assertEquals(List.of("audit"), st.getExcludeSchemasList());
        assertEquals(List.of("t1"), st.getExcludeTablesList());
        assertEquals(List.of("t2"), st.getExcludeTableDataList());
        assertTrue(st.getNoOwner());
        assertEquals("admin", st.getSuperuser());
        assertEquals("", st.getMaxRate());
    }

    @Test
    void aSourceWithoutScheduleOrRefreshes() {
        Source s = Source.ofDatadir("shop", Path.of("/srv/pg"), null, Source.Origin.CONFIG);
        dev.kopi.proto.v1.Source p = Protos.source(view(s));
        assertEquals("/srv/pg", p.getLocation());
        assertEquals("", p.getNextRefreshAt());
        assertEquals("", p.getLatestSnapshot());
        assertFalse(p.hasLastRefresh());
        assertEquals("", p.getSettings().getSchedule());
        assertEquals(0, p.getSettings().getJobs(), "dump options only for dump sources");
        assertEquals("", p.getSettings().getSuperuser());
    }

    @Test
    void seedSourcesListTheirScripts() {
        Source s = new Source("seeded", Source.Kind.SEED, null, null, List.of(Path.of("/a.sql"), Path.of("/b.sql")),
                null, SourceSettings.NONE, Source.Origin.API);
        assertEquals("/a.sql, /b.sql", Protos.source(view(s)).getLocation());
    }

    @Test
    void definitionMapsEveryField() {
        AddSourceRequest req = AddSourceRequest.newBuilder()
                .setName("copy")
                .setDump("host=db1 password=" + SECRET)
                .setSettings(dev.kopi.proto.v1.SourceSettings.newBuilder()
                        .setSchedule("0 3 * * *")
                        .setKeep(3)
                        .addTransforms("/m.sql")
                        .setPasswordEnv("PW_UNUSED")
                        .setDatabase("appcopy")
                        .setJobs(4)
                        .addSchemas("public")
                        .addExcludeSchemas("audit")
                        .addExcludeTables("t1")
                        .addExcludeTableData("t2")
                        .setNoOwner(true)
                        .setSuperuser("admin"))
                .build();
        SourceDefinition d = Protos.definition(req);
        assertEquals("copy", d.name());
        assertNull(d.datadir());
        assertNull(d.basebackup());
        assertEquals("host=db1 password=" + SECRET, d.dump());
        assertEquals(List.of(), d.seed());
        assertEquals("admin", d.superuser());
        assertEquals("0 3 * * *", d.schedule());
        assertEquals(3, d.keep());
        assertEquals(List.of("/m.sql"), d.transforms());
        assertNull(d.passwordFile());
        assertEquals("PW_UNUSED", d.passwordEnv());
        assertEquals("appcopy", d.database());
        assertEquals(4, d.jobs());
        assertEquals(List.of("public"), d.schemas());
        assertEquals(List.of("audit"), d.excludeSchemas());
        assertEquals(List.of("t1"), d.excludeTables());
        assertEquals(List.of("t2"), d.excludeTableData());
        assertEquals(Boolean.TRUE, d.noOwner());
        assertNull(d.maxRate());
    }

    @Test
    void definitionTreatsEmptyAndZeroAsNotGiven() {
        SourceDefinition d = Protos.definition(AddSourceRequest.newBuilder().setName("shop").setDatadir("/srv/pg")
                .build());
        assertEquals("/srv/pg", d.datadir());
        assertNull(d.basebackup());
        assertNull(d.dump());
        assertNull(d.superuser());
        assertNull(d.schedule());
        assertNull(d.keep());
        assertNull(d.jobs());
        assertNull(d.noOwner());
        assertNull(d.database());
        assertNull(d.maxRate());
        assertNull(d.passwordFile());
        assertNull(d.passwordEnv());
        // so a data directory source from the API validates: no dump options were "given"
        assertEquals(Source.Kind.DATADIR, d.toSource(Source.Origin.API).kind());
    }

    @Test
    void aBasebackupDefinitionRoundTripsThroughTheApiMessages() {
        AddSourceRequest req = AddSourceRequest.newBuilder()
                .setName("replica")
                .setBasebackup("postgresql://kopi:" + SECRET + "@db1/postgres")
                .addSeed("")
                .setSettings(dev.kopi.proto.v1.SourceSettings.newBuilder().setMaxRate("50M").setKeep(2))
                .build();
        SourceDefinition d = Protos.definition(req);
        assertEquals(List.of(""), d.seed(), "a repeated field is passed as given");
        SourceDefinition fixed = new SourceDefinition(d.name(), d.datadir(), d.basebackup(), d.dump(), List.of(),
                d.superuser(), d.schedule(), d.keep(), d.transforms(), d.passwordFile(), d.passwordEnv(), d.database(),
                d.jobs(), d.schemas(), d.excludeSchemas(), d.excludeTables(), d.excludeTableData(), d.noOwner(),
                d.maxRate(), d.warm(), d.keepPasswords(), d.replica(), d.slot(), d.walKeep());
        Source s = fixed.toSource(Source.Origin.API);
        dev.kopi.proto.v1.Source p = Protos.source(view(s));
        assertEquals("50M", p.getSettings().getMaxRate());
        assertEquals(2, p.getSettings().getKeep());
        assertFalse(p.toString().contains(SECRET), p.toString());
    }
}
