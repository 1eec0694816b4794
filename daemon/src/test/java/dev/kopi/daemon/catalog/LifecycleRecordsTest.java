package dev.kopi.daemon.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.core.SnapshotRef;

/** The lifetime and lineage fields of clone and snapshot records, in memory and on disk. */
class LifecycleRecordsTest {
    private static final Instant AT = Instant.parse("2026-11-23T06:00:00Z");

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("catalog.json");
    }

    /** A snapshot to reset onto. */
    private static SnapshotRecord target(String name, String version, String superuser) {
        SnapshotRef ref = SnapshotRef.parse(name);
        return Records.snapshot(ref.source(), ref.tag().orElseThrow()).toBuilder().version(version)
                .superuser(superuser).build();
    }

    private static CloneRecord plain() {
        return Records.clone("c1", "prod@20261123T020000Z");
    }

    /** Every field that is not about lifetime, compared as a whole. */
    private static void assertSameIdentity(CloneRecord expected, CloneRecord actual) {
        assertEquals(expected.name(), actual.name());
        assertEquals(expected.port(), actual.port());
        assertEquals(expected.user(), actual.user());
        assertEquals(expected.password(), actual.password());
        assertEquals(expected.database(), actual.database());
        assertEquals(expected.createdAt(), actual.createdAt());
    }

    @Test
    void aPlainCloneNeverExpiresUsesTheDefaultIdleTimeoutAndIsUnprotected() {
        CloneRecord r = plain();
        assertNull(r.expiresAt());
                assertNull(r.idleTimeout());
        assertFalse(r.protect());
        assertEquals(0, r.resetCount());
        assertNull(r.resetAt());
    }

    @Test
    void withExpirySetsAndClearsTheExpiry() {
        CloneRecord r = plain().withExpiry(AT);
        assertEquals("2026-11-23T06:00:00Z", r.expiresAt().toString());
        assertEquals(AT, r.expiresAt());
        assertSameIdentity(plain(), r);
        CloneRecord cleared = r.withExpiry(null);
        assertNull(cleared.expiresAt());
            }

    @Test
    void withIdleTimeoutKeepsWholeSecondsAndZeroForNever() {
        assertEquals(1800L, plain().withIdleTimeout(Duration.ofMinutes(30)).idleTimeout().getSeconds());
        assertEquals(0L, plain().withIdleTimeout(Duration.ZERO).idleTimeout().getSeconds());
    }

    @Test
    void withersChangeOnlyTheirOwnField() {
        CloneRecord all = plain().withExpiry(AT).withIdleTimeout(Duration.ofMinutes(5)).withProtect(true);
        assertEquals(AT, all.expiresAt());
        assertEquals(300L, all.idleTimeout().getSeconds());
        assertTrue(all.protect());
        assertSameIdentity(plain(), all);
        assertEquals(plain().snapshot(), all.snapshot());

        CloneRecord unprotected = all.withProtect(false);
        assertFalse(unprotected.protect());
        assertEquals(AT, unprotected.expiresAt());
        assertEquals(300L, unprotected.idleTimeout().getSeconds());
    }

    @Test
    void resetMovesToTheNewSnapshotAndCountsKeepingIdentityAndLifetime() {
        CloneRecord before = plain().withExpiry(AT).withIdleTimeout(Duration.ofMinutes(5)).withProtect(true);
        Instant when = Instant.parse("2026-11-23T05:00:00Z");

        CloneRecord once = before.reset(target("prod@20261124T020000Z", "17", "admin"), when, "c1-r1");
        CloneRecord twice = once.reset(target("prod@20261123T020000Z", "16", "postgres"), when.plusSeconds(60),
                "c1-r2");

        assertEquals("prod@20261124T020000Z", once.snapshot().toString());
        assertEquals("17", once.version());
        assertEquals("admin", once.superuser());
        assertEquals(1, once.resetCount());
        assertEquals("2026-11-23T05:00:00Z", once.resetAt().toString());
        assertSameIdentity(before, once);
        assertEquals(before.expiresAt(), once.expiresAt());
        assertEquals(before.idleTimeout(), once.idleTimeout());
        assertTrue(once.protect());

        assertEquals("c1-r1", once.volumeName(), "a reset moves the clone to a fresh volume");
        assertEquals("c1-r2", twice.volumeName());
        assertEquals(2, twice.resetCount());
        assertEquals("2026-11-23T05:01:00Z", twice.resetAt().toString());
        assertEquals("prod@20261123T020000Z", twice.snapshot().toString());
    }

    @Test
    void aSourceSnapshotHasNoLineage() {
        SnapshotRecord s = Records.snapshot("prod", "20261123T020000Z");
        assertNull(s.parent());
        assertNull(s.fromClone());
        assertNull(s.message());
    }

    @Test
    void branchedFromAddsLineageAndKeepsEverythingElse() {
        SnapshotRecord s = Records.snapshot("feature", "20261123T050000Z");
        SnapshotRecord b = s.branchedFrom(SnapshotRef.parse("prod@20261123T020000Z"), "c1", "before the migration");
        assertEquals("prod@20261123T020000Z", b.parent().toString());
        assertEquals("c1", b.fromClone());
        assertEquals("before the migration", b.message());
        assertEquals(new SnapshotRecord(s.source(), s.tag(), s.createdAt(), s.version(), s.superuser(), s.database(),
                s.sizeBytes(), s.buildMs(), SnapshotRef.parse("prod@20261123T020000Z"), "c1", "before the migration",
                null, null), b);
        assertEquals("feature@20261123T050000Z", b.name());
    }

    @Test
    void newFieldsRoundTripThroughTheStore() {
        CloneRecord clone = plain().withExpiry(AT).withIdleTimeout(Duration.ZERO).withProtect(true)
                .reset(target("prod@20261124T020000Z", "16", "postgres"), Instant.parse("2026-11-23T05:00:00Z"),
                        "c1-r1");
        CloneRecord defaults = Records.clone("c2", "prod@20261123T020000Z");
        SnapshotRecord branch = Records.snapshot("feature", "20261123T050000Z")
                .branchedFrom(SnapshotRef.parse("prod@20261123T020000Z"), "c1", "note \"quoted\" ünïcode");
        CatalogState state = new CatalogState(1, new TreeMap<>(),
                new TreeMap<>(Map.of(branch.name(), branch)),
                new TreeMap<>(Map.of("c1", clone, "c2", defaults)), new TreeMap<>());
        new CatalogStore(file()).save(state);

        CatalogState loaded = new CatalogStore(file()).load();
        assertEquals(state, loaded);
        assertEquals(0L, loaded.clones().get("c1").idleTimeout().getSeconds(), "zero (never) is not confused with null");
        assertNull(loaded.clones().get("c2").idleTimeout(), "null (the default) is not confused with zero");
        assertEquals(1, loaded.clones().get("c1").resetCount());
    }

    @Test
    void savedFileNamesTheNewFields() throws Exception {
        CloneRecord clone = plain().withExpiry(AT).withIdleTimeout(Duration.ofMinutes(1)).withProtect(true);
        SnapshotRecord branch = Records.snapshot("feature", "t1").branchedFrom(SnapshotRef.parse("prod@t0"), "c1", "m");
        new CatalogStore(file()).save(new CatalogState(1, new TreeMap<>(), new TreeMap<>(Map.of(branch.name(), branch)),
                new TreeMap<>(Map.of("c1", clone)), new TreeMap<>()));
        String json = Files.readString(file());
        for (String field : new String[] {"\"expiresAt\" : \"2026-11-23T06:00:00Z\"", "\"idleTimeoutSeconds\" : 60",
                "\"protect\" : true", "\"resetCount\" : 0", "\"parent\" : \"prod@t0\"", "\"fromClone\" : \"c1\"",
                "\"message\" : \"m\""}) {
            assertTrue(json.contains(field), field + " in " + json);
        }
    }

    /** A catalog written before clone lifetimes and branches existed. */
    private static final String OLD_CATALOG = """
            {
              "version" : 1,
              "sources" : { },
              "snapshots" : {
                "prod@20261123T020000Z" : {
                  "source" : "prod",
                  "tag" : "20261123T020000Z",
                  "createdAt" : "2026-11-23T02:00:00Z",
                  "version" : "16",
                  "superuser" : "postgres",
                  "database" : "app",
                  "sizeBytes" : 123456789,
                  "buildMs" : 4200
                }
              },
              "clones" : {
                "c1" : {
                  "name" : "c1",
                  "snapshot" : "prod@20261123T020000Z",
                  "port" : 6501,
                  "user" : "kopi_ab12cd34",
                  "password" : "Pw3xY7mK9qR2sT5vW8zA4bC6",
                  "database" : "app",
                  "createdAt" : "2026-11-23T03:00:00Z",
                  "version" : "16",
                  "superuser" : "postgres"
                }
              },
              "refreshes" : { }
            }
            """;

    @Test
    void anOldCatalogLoadsWithNullsAndDefaultsForTheNewFields() throws Exception {
        Files.writeString(file(), OLD_CATALOG);
        CatalogState s = new CatalogStore(file()).load();

        CloneRecord c = s.clones().get("c1");
        assertEquals(Records.clone("c1", "prod@20261123T020000Z"), c);
        assertNull(c.expiresAt());
                assertNull(c.idleTimeout());
        assertFalse(c.protect());
        assertEquals(0, c.resetCount());
        assertNull(c.resetAt());

        SnapshotRecord snap = s.snapshots().get("prod@20261123T020000Z");
        assertEquals(Records.snapshot("prod", "20261123T020000Z"), snap);
        assertNull(snap.parent());
        assertNull(snap.fromClone());
        assertNull(snap.message());
    }

    @Test
    void anOldCatalogCanBeChangedAndReopened() throws Exception {
        Files.writeString(file(), OLD_CATALOG);
        Catalog catalog = new Catalog(new CatalogStore(file()));
        CloneRecord extended = catalog.clone("c1").orElseThrow().withExpiry(AT).withProtect(true);
        catalog.putClone(extended);

        Catalog reopened = new Catalog(new CatalogStore(file()));
        assertEquals(extended, reopened.clone("c1").orElseThrow());
        assertEquals(Records.snapshot("prod", "20261123T020000Z"),
                reopened.snapshot(SnapshotRef.parse("prod@20261123T020000Z")).orElseThrow());
    }

    @Test
    void explicitNullsLoadLikeAbsentFields() throws Exception {
        Files.writeString(file(), """
                {"version": 1, "clones": {"c1": {"name": "c1", "snapshot": "prod@t", "port": 6501, "user": "u",
                 "password": "p", "database": "app", "createdAt": "2026-11-23T03:00:00Z", "version": "16", "superuser": "postgres",
                 "expiresAt": null, "idleTimeoutSeconds": null, "resetAt": null}}}
                """);
        CloneRecord c = new CatalogStore(file()).load().clones().get("c1");
        assertEquals(CloneRecord.builder().name("c1").snapshot(SnapshotRef.parse("prod@t")).port(6501).user("u")
                .password("p").database("app").createdAt(Instant.parse("2026-11-23T03:00:00Z")).version("16")
                .superuser("postgres").build(), c);
    }
}
