package dev.kopi.daemon.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.core.Trigger;

/** Catalog files written before sources had kinds, settings, seed hashes and triggers still load. */
class CatalogCompatTest {
    @TempDir
    Path dir;

    /** As the kopid before schedules wrote it: no conninfo/seed/settings, seedHash, unchanged/trigger. */
    private static final String PREVIOUS = """
            {
              "version" : 1,
              "sources" : {
                "shop" : {
                  "name" : "shop",
                  "kind" : "datadir",
                  "datadir" : "/var/lib/postgresql/16/main",
                  "superuser" : "admin",
                  "createdAt" : "2026-11-01T00:00:00Z"
                }
              },
              "snapshots" : {
                "shop@20261123T020000Z" : {
                  "source" : "shop",
                  "tag" : "20261123T020000Z",
                  "createdAt" : "2026-11-23T02:00:00Z",
                  "version" : "16",
                  "superuser" : "admin",
                  "database" : "app",
                  "sizeBytes" : 123456789,
                  "buildMs" : 4200,
                  "parent" : null,
                  "fromClone" : null,
                  "message" : null
                },
                "feature@20261123T050000Z" : {
                  "source" : "feature",
                  "tag" : "20261123T050000Z",
                  "createdAt" : "2026-11-23T05:00:00Z",
                  "version" : "16",
                  "superuser" : "admin",
                  "database" : "app",
                  "sizeBytes" : 1,
                  "buildMs" : 1,
                  "parent" : "shop@20261123T020000Z",
                  "fromClone" : "c1",
                  "message" : "before the migration"
                }
              },
              "clones" : { },
              "refreshes" : {
                "shop" : {
                  "source" : "shop",
                  "startedAt" : "2026-11-23T02:00:00Z",
                  "durationMs" : 4321,
                  "ok" : true,
                  "error" : "",
                  "snapshot" : "shop@20261123T020000Z"
                }
              }
            }
            """;

    private static SnapshotRecord snapshot(String source, String tag, String createdAt, String version,
                                           String superuser, String database, long size, long buildMs) {
        return SnapshotRecord.builder().source(source).tag(tag).createdAt(Instant.parse(createdAt)).version(version)
                .superuser(superuser).database(database).sizeBytes(size).buildMs(buildMs).build();
    }

    private CatalogState load(String json) throws Exception {
        Path file = dir.resolve("catalog.json");
        Files.writeString(file, json);
        return new CatalogStore(file).load();
    }

    @Test
    void aCatalogFromThePreviousVersionLoads() throws Exception {
        CatalogState s = load(PREVIOUS);
        SourceRecord src = s.sources().get("shop");
        assertEquals(SourceRecord.ofDatadir("shop", "/var/lib/postgresql/16/main", "admin",
                Instant.parse("2026-11-01T00:00:00Z")), src);
        assertNull(src.conninfo());
        assertEquals(List.of(), src.seed());
        assertNull(src.settings());

        SnapshotRecord snap = s.snapshots().get("shop@20261123T020000Z");
        assertEquals(snapshot("shop", "20261123T020000Z", "2026-11-23T02:00:00Z", "16", "admin", "app",
                123456789L, 4200L), snap);
        assertNull(snap.seedHash());
        SnapshotRecord branch = s.snapshots().get("feature@20261123T050000Z");
        assertEquals("shop@20261123T020000Z", branch.parent().toString());
        assertEquals("before the migration", branch.message());
        assertNull(branch.seedHash());

        RefreshRecord r = s.refreshes().get("shop");
        assertEquals(RefreshRecord.succeeded("shop", Instant.parse("2026-11-23T02:00:00Z"), 4321L,
                SnapshotRef.parse("shop@20261123T020000Z"), false, null), r);
        assertFalse(r.unchanged());
        assertNull(r.trigger());
    }

    @Test
    void aCatalogFromThePreviousVersionSurvivesARewrite() throws Exception {
        CatalogState s = load(PREVIOUS);
        Path file = dir.resolve("catalog.json");
        new CatalogStore(file).save(s);
        assertEquals(s, new CatalogStore(file).load());
    }

    @Test
    void snapshotRecordsFromBeforeLineageLoad() throws Exception {
        CatalogState s = load("""
                {"version": 1, "snapshots": {"shop@t1": {"source": "shop", "tag": "t1", "createdAt": "2026-11-01T00:00:00Z",
                  "version": "15", "superuser": "postgres", "database": "app", "sizeBytes": 1, "buildMs": 2}}}
                """);
        assertEquals(snapshot("shop", "t1", "2026-11-01T00:00:00Z", "15", "postgres", "app", 1, 2),
                s.snapshots().get("shop@t1"));
    }

    @Test
    void newFieldsRoundTrip() throws Exception {
        SourceSettings settings = new SourceSettings("0 3 * * *", 5, List.of("/etc/kopi/mask.sql"), "/etc/kopi/pw",
                null, "appcopy", new SourceSettings.DumpOptions(4, List.of("public"), List.of("audit"),
                        List.of("public.big"), List.of("public.log"), true), null);
        SourceRecord dump = new SourceRecord("copy", "dump", null, null, Instant.parse("2026-11-01T00:00:00Z"),
                "postgresql://kopi:pw@db1/app", List.of(), settings);
        SourceRecord seed = new SourceRecord("seeded", "seed", null, "postgres", Instant.parse("2026-11-01T00:00:00Z"), null,
                List.of("/srv/seed/2.sql", "/srv/seed/1.sql"), SourceSettings.NONE);
        SourceRecord base = new SourceRecord("replica", "basebackup", null, null, Instant.parse("2026-11-01T00:00:00Z"),
                "host=db1 user=kopi", List.of(), new SourceSettings(null, 0, List.of(), null, "KOPI_PW", null, null,
                "50M"));
        SnapshotRecord snap = snapshot("seeded", "t1", "2026-11-01T00:00:00Z", "16", "postgres", "seeded", 1, 2)
                .withSeedHash("ab".repeat(32));
        RefreshRecord refresh = RefreshRecord.succeeded("seeded", Instant.parse("2026-11-23T02:00:00Z"), 12,
                SnapshotRef.parse("seeded@t1"), true, Trigger.SCHEDULE);
        CatalogState state = new CatalogState(1, new TreeMap<>(Map.of("copy", dump, "seeded", seed, "replica", base)),
                new TreeMap<>(Map.of(snap.name(), snap)), new TreeMap<>(), new TreeMap<>(Map.of("seeded", refresh)));
        Path file = dir.resolve("catalog.json");
        new CatalogStore(file).save(state);
        CatalogState back = new CatalogStore(file).load();
        assertEquals(state, back);
        assertEquals(settings, back.sources().get("copy").settings());
        assertEquals("ab".repeat(32), back.snapshots().get("seeded@t1").seedHash());
        assertTrue(back.refreshes().get("seeded").unchanged());
        assertEquals("schedule", back.refreshes().get("seeded").trigger().word());

        String json = Files.readString(file);
        for (String field : List.of("\"conninfo\"", "\"seed\"", "\"settings\"", "\"seedHash\"", "\"unchanged\"",
                "\"trigger\"", "\"passwordFile\"", "\"excludeTableData\"", "\"noOwner\"", "\"maxRate\"")) {
            assertTrue(json.contains(field), field);
        }
    }

    @Test
    void partialSettingsGetDefaults() throws Exception {
        CatalogState s = load("""
                {"version": 1, "sources": {"copy": {"name": "copy", "kind": "dump", "createdAt": "2026-11-01T00:00:00Z",
                  "conninfo": "host=db1", "seed": null,
                  "settings": {"schedule": "@daily", "keep": 2, "someFutureKey": true}}}}
                """);
        SourceRecord r = s.sources().get("copy");
        assertEquals(List.of(), r.seed());
        SourceSettings st = r.settings();
        assertEquals("@daily", st.schedule());
        assertEquals(2, st.keep());
        assertEquals(List.of(), st.transforms());
        assertEquals(SourceSettings.DumpOptions.DEFAULT, st.dump());
        assertNull(st.passwordFile());
        assertNull(st.maxRate());
    }

    @Test
    void partialDumpOptionsGetDefaults() throws Exception {
        CatalogState s = load("""
                {"version": 1, "sources": {"copy": {"name": "copy", "kind": "dump", "createdAt": "2026-11-01T00:00:00Z",
                  "conninfo": "host=db1", "settings": {"dump": {"noOwner": true}}}}}
                """);
        SourceSettings.DumpOptions d = s.sources().get("copy").settings().dump();
        assertEquals(2, d.jobs());
        assertTrue(d.noOwner());
        assertEquals(List.of(), d.schemas());
        assertEquals(List.of(), d.excludeTableData());
    }
}
