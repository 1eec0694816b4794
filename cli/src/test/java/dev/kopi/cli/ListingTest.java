package dev.kopi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kopi.proto.v1.ListClonesRequest;
import dev.kopi.proto.v1.ListClonesResponse;
import dev.kopi.proto.v1.ListSnapshotsRequest;
import dev.kopi.proto.v1.ListSnapshotsResponse;
import dev.kopi.proto.v1.ListSourcesResponse;
import dev.kopi.proto.v1.RefreshResult;
import dev.kopi.proto.v1.Snapshot;
import dev.kopi.proto.v1.Source;
import dev.kopi.proto.v1.SourceSettings;
import dev.kopi.proto.v1.Status;

/** clones, snapshots, sources, status: tables for people, -o json for machines. */
class ListingTest extends FakeKopidTestBase {
    private static final long GIB = 1024L * 1024 * 1024;

    private final ListClonesResponse twoClones = ListClonesResponse.newBuilder()
            .addClones(clone("ci-1", 6501, PASSWORD))
            .addClones(clone("ci-2", 6502, PASSWORD + "2"))
            .build();

    @Test
    void clonesTableHasHeaderAndOneRowPerCloneAndNoPassword() {
        kopid.reply("ListClones", twoClones);

        CliRun r = kopictl("clones");

        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err());
        List<String> lines = r.outLines();
        assertEquals(3, lines.size(), r::toString);
        assertTrue(lines.get(0).startsWith("NAME"), lines.get(0));
        for (String column : List.of("SNAPSHOT", "STATE", "PORT", "USER", "DATABASE")) {
            assertTrue(lines.get(0).contains(column), lines.get(0));
        }
        assertTrue(lines.get(1).startsWith("ci-1 "), lines.get(1));
        assertTrue(lines.get(1).contains("6501") && lines.get(1).contains("running"), lines.get(1));
        assertTrue(lines.get(2).startsWith("ci-2 "), lines.get(2));
        assertFalse(r.out().contains(PASSWORD), "the table must never show a password:\n" + r.out());
        assertEquals("", kopid.requests(ListClonesRequest.class).get(0).getSnapshot());
    }

    @Test
    void clonesTableShowsExpiryIdleTimeoutProtectionAndUsage() {
        Instant now = Instant.now();
        kopid.reply("ListClones", ListClonesResponse.newBuilder()
                .addClones(clone("ttl", 6501, PASSWORD).toBuilder()
                        // Half a minute of slack: the table is computed a moment after this.
                        .setExpiresAt(now.plus(Duration.ofMinutes(119).plusSeconds(30)).toString())
                        .setIdleTimeoutSeconds(7200).setUsedBytes(3 * 1024 * 1024))
                .addClones(clone("keep", 6502, PASSWORD).toBuilder()
                        .setProtected(true).setUsedBytes(-1).setOwner("ci"))
                .addClones(clone("late", 6503, PASSWORD).toBuilder()
                        .setExpiresAt(now.minusSeconds(5).toString()).setIdleTimeoutSeconds(5400))
                .build());

        CliRun r = kopictl("clones");

        assertEquals(0, r.code(), r::toString);
        List<String> lines = r.outLines();
        assertEquals(4, lines.size(), r::toString);
        assertTrue(lines.get(0).endsWith("CREATED               EXPIRES   IDLE   PROTECTED  USED     OWNER"), lines.get(0));
        assertTrue(lines.get(1).endsWith("2026-11-23 02:05:00Z  in 1h59m  2h                3.0 MiB  -"), lines.get(1));
        assertTrue(lines.get(2).endsWith("2026-11-23 02:05:00Z  never     never  yes        -        ci"), lines.get(2));
        assertTrue(lines.get(3).endsWith("2026-11-23 02:05:00Z  expired   1h30m             0 B      -"), lines.get(3));
        assertFalse(r.out().contains(PASSWORD), "the table must never show a password:\n" + r.out());
    }

    @Test
    void clonesJsonHasTheLifecycleFields() {
        kopid.reply("ListClones", ListClonesResponse.newBuilder()
                .addClones(clone("ttl", 6501, PASSWORD).toBuilder().setExpiresAt("2026-11-23T04:05:00Z")
                        .setIdleTimeoutSeconds(7200).setUsedBytes(5 * GIB).setLastActiveAt("2026-11-23T03:00:00Z")
                        .setResetCount(2).setResetAt("2026-11-23T02:30:00Z"))
                .addClones(clone("keep", 6502, PASSWORD).toBuilder().setProtected(true).setUsedBytes(-1))
                .build());

        JsonNode j = kopictl("clones", "-o", "json").json();

        JsonNode ttl = j.get(0);
        assertEquals("2026-11-23T04:05:00Z", ttl.path("expiresAt").textValue());
        assertEquals(7200, ttl.path("idleTimeoutSeconds").longValue());
        assertTrue(ttl.path("idleTimeoutSeconds").isIntegralNumber());
        assertTrue(ttl.path("protected").isBoolean());
        assertFalse(ttl.path("protected").booleanValue());
        assertEquals(5 * GIB, ttl.path("usedBytes").longValue(), "beyond int range, no truncation");
        assertEquals("2026-11-23T03:00:00Z", ttl.path("lastActiveAt").textValue());
        assertEquals(2, ttl.path("resetCount").intValue());
        assertEquals("2026-11-23T02:30:00Z", ttl.path("resetAt").textValue());
        JsonNode keep = j.get(1);
        assertTrue(keep.path("expiresAt").isNull(), "never expires is null, not missing or \"\": " + keep);
        assertTrue(keep.path("resetAt").isNull(), keep::toString);
        assertEquals(0, keep.path("idleTimeoutSeconds").longValue());
        assertTrue(keep.path("protected").booleanValue());
        assertEquals(-1, keep.path("usedBytes").longValue());
        assertEquals(PASSWORD, keep.path("password").textValue(), "-o json keeps the password, for scripts");
    }

    @Test
    void clonesFilterIsSent() {
        kopid.reply("ListClones", ListClonesResponse.getDefaultInstance());

        CliRun r = kopictl("clones", "prod");

        assertEquals(0, r.code(), r::toString);
        assertEquals(1, r.outLines().size(), "header only: " + r);
        assertEquals("prod", kopid.requests(ListClonesRequest.class).get(0).getSnapshot());
    }

    @Test
    void clonesJsonIncludesPasswords() {
        kopid.reply("ListClones", twoClones);

        CliRun r = kopictl("clones", "-o", "json");

        assertEquals(0, r.code(), r::toString);
        JsonNode j = r.json();
        assertTrue(j.isArray(), r::toString);
        assertEquals(2, j.size());
        assertEquals(PASSWORD, j.get(0).path("password").textValue());
        assertEquals(PASSWORD + "2", j.get(1).path("password").textValue());
        assertTrue(j.get(1).path("port").isIntegralNumber());
        assertEquals(6502, j.get(1).path("port").intValue());
    }

    private static final ListSnapshotsResponse SNAPSHOTS = ListSnapshotsResponse.newBuilder()
            .addSnapshots(Snapshot.newBuilder().setName("prod@20261122T0200Z").setSource("prod")
                    .setTag("20261122T0200Z").setCreatedAt("2026-11-22T02:00:03Z").setSizeBytes(1536)
                    .setCloneCount(0).setPostgresVersion("15.8").setDatabase("app").setBuildMs(900))
            .addSnapshots(Snapshot.newBuilder().setName("prod@20261123T0200Z").setSource("prod")
                    .setTag("20261123T0200Z").setCreatedAt("2026-11-23T02:00:03Z").setSizeBytes(3 * GIB / 2)
                    .setCloneCount(2).setPostgresVersion("15.8").setDatabase("app").setLatest(true)
                    .setBuildMs(4200).setReferencedBytes(-1).setChildCount(1))
            .addSnapshots(Snapshot.newBuilder().setName("fix@20261123T0300Z").setSource("fix")
                    .setTag("20261123T0300Z").setCreatedAt("2026-11-23T03:00:00Z").setSizeBytes(3 * GIB / 2)
                    .setCloneCount(0).setPostgresVersion("15.8").setDatabase("app").setLatest(true)
                    .setBuildMs(2100).setReferencedBytes(2048).setParent("prod@20261123T0200Z")
                    .setFromClone("ci-1").setMessage("after migration 42"))
            .build();

    @Test
    void snapshotsTableMarksLatestAndShowsHumanSizes() {
        kopid.reply("ListSnapshots", SNAPSHOTS);

        CliRun r = kopictl("snapshots");

        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err());
        List<String> lines = r.outLines();
        assertEquals(4, lines.size(), r::toString);
        assertTrue(lines.get(0).startsWith("NAME") && lines.get(0).contains("SIZE"), lines.get(0));
        assertTrue(lines.get(1).startsWith("prod@20261122T0200Z "), lines.get(1));
        assertFalse(lines.get(1).contains("*"), "only the latest is marked: " + lines.get(1));
        assertTrue(lines.get(1).contains("1.5 KiB"), lines.get(1));
        assertTrue(lines.get(2).startsWith("prod@20261123T0200Z *"), lines.get(2));
        assertTrue(lines.get(2).contains("1.5 GiB"), lines.get(2));
        assertTrue(lines.get(2).contains("2026-11-23 02:00:03Z"), lines.get(2));
        assertEquals("", kopid.requests(ListSnapshotsRequest.class).get(0).getSource());
    }

    @Test
    void snapshotsTableShowsLineageReferencedBytesAndChildren() {
        kopid.reply("ListSnapshots", SNAPSHOTS);

        List<String> lines = kopictl("snapshots").outLines();

        assertEquals("NAME                   SOURCE  CREATED               SIZE     REFERENCED  CLONES  CHILDREN  "
                + "PARENT               FROM  PG    DATABASE", lines.get(0));
        assertEquals("prod@20261122T0200Z    prod    2026-11-22 02:00:03Z  1.5 KiB  0 B         0       0         "
                + "                           15.8  app", lines.get(1));
        assertEquals("prod@20261123T0200Z *  prod    2026-11-23 02:00:03Z  1.5 GiB  -           2       1         "
                + "                           15.8  app", lines.get(2));
        assertEquals("fix@20261123T0300Z *   fix     2026-11-23 03:00:00Z  1.5 GiB  2.0 KiB     0       0         "
                + "prod@20261123T0200Z  ci-1  15.8  app", lines.get(3));
        assertFalse(String.join("\n", lines).contains("after migration 42"), "messages are in -o json only");
    }

    @Test
    void snapshotsJsonHasLineageAndMessage() {
        kopid.reply("ListSnapshots", SNAPSHOTS);

        JsonNode j = kopictl("snapshots", "-o", "json").json();

        JsonNode root = j.get(1);
        assertTrue(root.path("parent").isNull(), root::toString);
        assertTrue(root.path("fromClone").isNull(), root::toString);
        assertTrue(root.path("message").isNull(), root::toString);
        assertEquals(-1, root.path("referencedBytes").longValue());
        assertEquals(1, root.path("childCount").intValue());
        assertTrue(root.path("childCount").isIntegralNumber());
        JsonNode branch = j.get(2);
        assertEquals("prod@20261123T0200Z", branch.path("parent").textValue());
        assertEquals("ci-1", branch.path("fromClone").textValue());
        assertEquals("after migration 42", branch.path("message").textValue());
        assertEquals(2048, branch.path("referencedBytes").longValue());
        assertTrue(branch.path("referencedBytes").isIntegralNumber());
    }

    @Test
    void snapshotsJsonHasTheSeedHash() {
        kopid.reply("ListSnapshots", ListSnapshotsResponse.newBuilder()
                .addSnapshots(SNAPSHOTS.getSnapshots(0))
                .addSnapshots(Snapshot.newBuilder().setName("app@20261123T0100Z").setSource("app")
                        .setTag("20261123T0100Z").setCreatedAt("2026-11-23T01:00:00Z").setLatest(true)
                        .setSeedHash("sha256:9f86d08188"))
                .build());

        JsonNode j = kopictl("snapshots", "-o", "json").json();

        assertTrue(j.get(0).path("seedHash").isNull(), j::toString);
        assertEquals("sha256:9f86d08188", j.get(1).path("seedHash").textValue());
    }

    @Test
    void snapshotsTableShowsSourceCreatedSizeClonesAndWhatTheSourceNameResolvesTo() {
        kopid.reply("ListSnapshots", SNAPSHOTS);

        List<String> lines = kopictl("snapshots").outLines();

        String header = lines.get(0);
        for (String column : List.of("SOURCE", "CREATED", "SIZE", "CLONES")) {
            assertTrue(header.contains(column), header);
        }
        // "prod" resolves to prod@20261123T0200Z, "fix" to fix@20261123T0300Z.
        assertEquals(List.of("prod@20261123T0200Z", "fix@20261123T0300Z"), lines.stream().skip(1)
                .filter(l -> l.split(" +")[1].equals("*")).map(l -> l.split(" ")[0]).toList());
    }

    @Test
    void snapshotsJsonHasNumbersAndBooleans() {
        kopid.reply("ListSnapshots", SNAPSHOTS);

        CliRun r = kopictl("-o", "json", "snapshots", "prod");

        assertEquals(0, r.code(), r::toString);
        JsonNode j = r.json();
        assertEquals(3, j.size(), r::toString);
        JsonNode latest = j.get(1);
        assertEquals("prod@20261123T0200Z", latest.path("name").textValue());
        assertTrue(latest.path("sizeBytes").isIntegralNumber(), "sizeBytes: " + latest.path("sizeBytes"));
        assertEquals(3 * GIB / 2, latest.path("sizeBytes").longValue());
        assertTrue(latest.path("latest").isBoolean(), "latest: " + latest.path("latest"));
        assertTrue(latest.path("latest").booleanValue());
        assertFalse(j.get(0).path("latest").booleanValue());
        assertTrue(latest.path("cloneCount").isIntegralNumber());
        assertEquals("prod", kopid.requests(ListSnapshotsRequest.class).get(0).getSource());
    }

    private static final String LONG_ERROR = "pg_basebackup: error: could not connect to server: connection refused"
            + "\n\tIs the server running on host \"db\" and accepting TCP/IP connections?";

    /** Sources in every state, with times relative to now (half a minute of slack for the run). */
    private static ListSourcesResponse sources(Instant now) {
        return ListSourcesResponse.newBuilder()
                .addSources(Source.newBuilder().setName("fresh").setKind("datadir").setLocation("/srv/pg/fresh")
                        .setOrigin("api"))
                .addSources(Source.newBuilder().setName("good").setKind("datadir").setLocation("/srv/pg/good")
                        .setOrigin("config").setSnapshotCount(3).setLatestSnapshot("good@20261123T0200Z")
                        .setSettings(SourceSettings.newBuilder().setSchedule("0 3 * * *").setKeep(3))
                        .setScheduleDescription("at 03:00")
                        .setNextRefreshAt(now.plus(Duration.ofHours(5)).plusSeconds(30).toString())
                        .setLastRefresh(RefreshResult.newBuilder()
                                .setStartedAt(now.minus(Duration.ofHours(2)).minusSeconds(30).toString())
                                .setDurationMs(72_400).setOk(true).setSnapshot("good@20261123T0200Z")
                                .setTrigger("schedule")))
                .addSources(Source.newBuilder().setName("app").setKind("seed")
                        .setLocation("/srv/seed/schema.sql, /srv/seed/data.sql").setOrigin("api").setSnapshotCount(1)
                        .setLatestSnapshot("app@20261123T0100Z")
                        .setLastRefresh(RefreshResult.newBuilder()
                                .setStartedAt(now.minus(Duration.ofHours(1)).minusSeconds(30).toString())
                                .setDurationMs(300).setOk(true).setUnchanged(true).setSnapshot("app@20261123T0100Z")
                                .setTrigger("api")))
                .addSources(Source.newBuilder().setName("bad").setKind("basebackup")
                        .setLocation("host=db user=rep password=********").setOrigin("config").setSnapshotCount(1)
                        .setLatestSnapshot("bad@20261122T0200Z")
                        .setSettings(SourceSettings.newBuilder().setSchedule("@hourly"))
                        .setScheduleDescription("every hour")
                        .setNextRefreshAt(now.minusSeconds(90).toString())
                        .setLastRefresh(RefreshResult.newBuilder()
                                .setStartedAt(now.minus(Duration.ofDays(3)).minusSeconds(1800).toString())
                                .setDurationMs(200).setOk(false).setError(LONG_ERROR).setTrigger("schedule")))
                .addSources(Source.newBuilder().setName("busy").setKind("dump").setLocation("host=db dbname=app")
                        .setOrigin("api").setRefreshing(true)
                        .setLastRefresh(RefreshResult.newBuilder().setStartedAt(now.minusSeconds(7200).toString())
                                .setOk(true)))
                .build();
    }

    @Test
    void sourcesTableShowsScheduleRetentionAndLastRefresh() {
        kopid.reply("ListSources", sources(Instant.now()));

        CliRun r = kopictl("sources");

        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err());
        assertEquals(List.of(
                "NAME   KIND        LOCATION                                  SCHEDULE   NEXT   KEEP  SNAPSHOTS  "
                        + "LAST REFRESH",
                "fresh  datadir     /srv/pg/fresh                             -          -      all   0          -",
                "good   datadir     /srv/pg/good                              0 3 * * *  in 5h  3     3          "
                        + "ok 2h ago (1m12s)",
                "app    seed        /srv/seed/schema.sql, /srv/seed/data.sql  -          -      all   1          "
                        + "unchanged 1h ago",
                "bad    basebackup  host=db user=rep password=********        @hourly    due    all   1          "
                        + "FAILED 3d ago: pg_basebackup: error: could not connect to server: connectio...",
                "busy   dump        host=db dbname=app                        -          -      all   0          "
                        + "running"), r.outLines());
    }

    @Test
    void sourcesJsonHasSettingsScheduleAndLastRefresh() {
        kopid.reply("ListSources", sources(Instant.now()));

        JsonNode j = kopictl("sources", "-o", "json").json();

        assertEquals(5, j.size());
        JsonNode fresh = j.get(0);
        assertTrue(fresh.path("lastRefresh").isMissingNode(), fresh::toString);
        assertTrue(fresh.path("nextRefreshAt").isNull(), fresh::toString);
        assertTrue(fresh.path("scheduleDescription").isNull(), fresh::toString);
        assertTrue(fresh.path("settings").path("schedule").isNull(), fresh::toString);
        assertEquals(0, fresh.path("settings").path("keep").intValue());

        JsonNode good = j.get(1);
        assertTrue(good.path("snapshotCount").isIntegralNumber());
        assertEquals("0 3 * * *", good.path("settings").path("schedule").textValue());
        assertEquals(3, good.path("settings").path("keep").intValue());
        assertTrue(good.path("settings").path("transforms").isArray(), good::toString);
        assertEquals("at 03:00", good.path("scheduleDescription").textValue());
        assertTrue(good.path("nextRefreshAt").textValue().startsWith("20"), good::toString);
        JsonNode last = good.path("lastRefresh");
        assertTrue(last.path("ok").booleanValue());
        assertFalse(last.path("unchanged").booleanValue());
        assertTrue(last.path("unchanged").isBoolean());
        assertEquals(72_400, last.path("durationMs").longValue());
        assertEquals("schedule", last.path("trigger").textValue());
        assertEquals("good@20261123T0200Z", last.path("snapshot").textValue());

        JsonNode app = j.get(2).path("lastRefresh");
        assertTrue(app.path("unchanged").booleanValue(), app::toString);
        assertEquals("api", app.path("trigger").textValue());

        JsonNode bad = j.get(3).path("lastRefresh");
        assertFalse(bad.path("ok").booleanValue());
        assertEquals(LONG_ERROR, bad.path("error").textValue(), "the whole error, not the table's start of it");

        assertTrue(j.get(4).path("refreshing").booleanValue());
        assertTrue(j.get(4).path("lastRefresh").path("trigger").isNull(), j.get(4)::toString);
    }

    @Test
    void sourcesJsonSettingsOfADumpSource() {
        kopid.reply("ListSources", ListSourcesResponse.newBuilder().addSources(Source.newBuilder().setName("d")
                .setKind("dump").setLocation("host=db").setSettings(SourceSettings.newBuilder()
                        .setPasswordFile("/etc/kopi/pw").setDatabase("app").setJobs(4).addSchemas("public")
                        .addExcludeSchemas("audit").addExcludeTables("t1").addExcludeTables("t2")
                        .addExcludeTableData("log").setNoOwner(true).setSuperuser("postgres")
                        .addTransforms("/a.sql").addTransforms("/b.sql")))
                .build());

        JsonNode s = kopictl("sources", "-o", "json").json().get(0).path("settings");

        assertEquals("/etc/kopi/pw", s.path("passwordFile").textValue());
        assertTrue(s.path("passwordEnv").isNull(), s::toString);
        assertEquals("app", s.path("database").textValue());
        assertEquals(4, s.path("jobs").intValue());
        assertEquals("public", s.path("schemas").get(0).textValue());
        assertEquals("audit", s.path("excludeSchemas").get(0).textValue());
        assertEquals(2, s.path("excludeTables").size());
        assertEquals("log", s.path("excludeTableData").get(0).textValue());
        assertTrue(s.path("noOwner").booleanValue());
        assertEquals("postgres", s.path("superuser").textValue());
        assertTrue(s.path("maxRate").isNull(), s::toString);
        assertEquals("/b.sql", s.path("transforms").get(1).textValue(), "order kept");
    }

    private static final Status STATUS = Status.newBuilder()
            .setVersion("0.1.0").setBackend("btrfs").setPool("/var/lib/kopi/pool")
            .setPoolImage("/var/lib/kopi/pool.img").setPoolSizeBytes(20 * GIB).setPoolUsedBytes(3 * GIB / 2)
            .setPoolFreeBytes(20 * GIB - 3 * GIB / 2).setSources(2).setSnapshots(5).setClones(3).setClonesRunning(2)
            .setStartedAt("2026-11-23T00:00:00Z").setUptimeMs(90_000).setPorts("6500-6999").setPortsFree(497)
            .setClonesMax(10).setPoolMinFreeBytes(GIB).setUsageAccounting("btrfs-qgroups")
            .setClonesUsedBytes(300L * 1024 * 1024)
            .build();

    @Test
    void statusTable() {
        kopid.reply("GetStatus", STATUS);

        CliRun r = kopictl("status");

        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err());
        assertEquals(List.of(
                "kopid:     0.1.0, up 1 min 30 s",
                "pool:      btrfs /var/lib/kopi/pool (image /var/lib/kopi/pool.img)",
                "space:     1.5 GiB used, 18.5 GiB free of 20.0 GiB, min free 1.0 GiB",
                "sources:   2",
                "snapshots: 5",
                "clones:    3 (2 running), max 10",
                "usage:     btrfs-qgroups, clones use 300 MiB",
                "ports:     6500-6999 (497 free)"), r.outLines());
    }

    @Test
    void statusTableWithoutLimitOrAccounting() {
        kopid.reply("GetStatus", STATUS.toBuilder().setClonesMax(0).setPoolMinFreeBytes(0).setUsageAccounting("")
                .setClonesUsedBytes(-1).build());

        List<String> lines = kopictl("status").outLines();

        assertTrue(lines.contains("space:     1.5 GiB used, 18.5 GiB free of 20.0 GiB, min free 0 B"), lines::toString);
        assertTrue(lines.contains("clones:    3 (2 running), no limit"), lines::toString);
        assertTrue(lines.contains("usage:     off"), lines::toString);
    }

    @Test
    void statusTableWithAccountingThatCannotTell() {
        kopid.reply("GetStatus", STATUS.toBuilder().setUsageAccounting("zfs").setClonesUsedBytes(-1).build());

        List<String> lines = kopictl("status").outLines();

        assertTrue(lines.contains("usage:     zfs, clones use unknown"), lines::toString);
    }

    @Test
    void statusJsonHasNumericByteFields() {
        kopid.reply("GetStatus", STATUS);

        CliRun r = kopictl("status", "-o", "json");

        assertEquals(0, r.code(), r::toString);
        JsonNode j = r.json();
        assertEquals("btrfs", j.path("backend").textValue());
        assertEquals("/var/lib/kopi/pool", j.path("pool").textValue());
        for (String f : List.of("poolSizeBytes", "poolUsedBytes", "poolFreeBytes", "uptimeMs", "clones",
                "clonesRunning", "snapshots", "sources", "portsFree", "clonesMax", "poolMinFreeBytes",
                "clonesUsedBytes")) {
            assertTrue(j.path(f).isIntegralNumber(), f + " must be a JSON number: " + j.path(f));
        }
        assertEquals(20 * GIB, j.path("poolSizeBytes").longValue(), "beyond int range, no truncation");
        assertEquals(3 * GIB / 2, j.path("poolUsedBytes").longValue());
        assertEquals(3, j.path("clones").intValue());
        assertEquals(10, j.path("clonesMax").intValue());
        assertEquals(GIB, j.path("poolMinFreeBytes").longValue());
        assertEquals("btrfs-qgroups", j.path("usageAccounting").textValue());
        assertEquals(300L * 1024 * 1024, j.path("clonesUsedBytes").longValue());
    }

    @Test
    void statusJsonAccountingOffIsNull() {
        kopid.reply("GetStatus", STATUS.toBuilder().setUsageAccounting("").setClonesUsedBytes(-1).build());

        JsonNode j = kopictl("status", "-o", "json").json();

        assertTrue(j.path("usageAccounting").isNull(), j::toString);
        assertEquals(-1, j.path("clonesUsedBytes").longValue());
    }
}
