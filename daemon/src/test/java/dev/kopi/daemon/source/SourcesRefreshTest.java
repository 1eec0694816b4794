package dev.kopi.daemon.source;

import static dev.kopi.daemon.testing.SourcesFixture.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.RefreshRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Trigger;
import dev.kopi.daemon.source.fill.SeedHashes;
import dev.kopi.daemon.testing.CloneFixture;
import dev.kopi.daemon.testing.RunningRefresh;
import dev.kopi.daemon.testing.SourcesFixture;

/** Refreshes through Sources: the per-source slot, the records and events they leave. */
class SourcesRefreshTest {
    @TempDir
    Path tmp;
    private SourcesFixture x;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (x != null) {
            for (Source s : x.sources.all()) {
                assertTrue(eventually(() -> !x.sources.isRefreshing(s.name())));
            }
            x.close();
        }
    }

    private void start(boolean fakeBinaries) throws Exception {
        Source cfg = Source.ofDatadir("cfg", tmp.resolve("cfg-data"), null, Source.Origin.CONFIG);
        Source db = SourceDefinition.builder("db").basebackup("host=db1 user=kopi").build()
                .toSource(Source.Origin.CONFIG);
        x = new SourcesFixture(tmp, Map.of("cfg", cfg, "db", db), fakeBinaries);
    }

    /**
     * Holds the background refresh of {@code source} in its REFRESH_FAILED event until released:
     * its slot stays taken meanwhile.
     */
    private CountDownLatch holdFailedRefreshOf(String source, CountDownLatch entered) {
        CountDownLatch release = new CountDownLatch(1);
        x.f.events.watch(0, e -> {
            if (e.kind().equals(EventKind.REFRESH_FAILED) && e.name().equals(source)) {
                entered.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        return release;
    }

    @Test
    void refreshAsyncOfAnUnknownSourceFailsAtOnce() throws Exception {
        start(false);
        assertEquals(KopiException.Kind.NOT_FOUND,
                assertThrows(KopiException.class, () -> x.sources.refreshAsync("nope", Trigger.API)).kind());
        assertEquals(KopiException.Kind.INVALID_ARGUMENT,
                assertThrows(KopiException.class, () -> x.sources.refreshAsync("../x", Trigger.API)).kind());
        assertTrue(x.f.catalog.refresh("nope").isEmpty());
    }

    @Test
    void refreshAsyncHoldsTheSlotBeforeItReturns() throws Exception {
        start(false);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = holdFailedRefreshOf("cfg", entered);
        x.sources.refreshAsync("cfg", Trigger.API);
        try {
            // no waiting: the first refresh holds the slot from the moment refreshAsync returned
            KopiException e = assertThrows(KopiException.class,
                    () -> x.sources.refreshAsync("cfg", Trigger.SCHEDULE));
            assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
            assertTrue(e.getMessage().contains("already running"), e.getMessage());
            assertTrue(x.sources.isRefreshing("cfg"));
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            assertTrue(x.sources.get("cfg").refreshing());
            e = assertThrows(KopiException.class, () -> x.sources.refresh("cfg", Progress.NONE));
            assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
            assertTrue(e.getMessage().contains("already running"), e.getMessage());
            assertFalse(x.sources.isRefreshing("db"), "other sources are not held");
        } finally {
            release.countDown();
        }
        assertTrue(eventually(() -> !x.sources.isRefreshing("cfg")));
        RefreshRecord r = x.f.catalog.refresh("cfg").orElseThrow();
        assertEquals(Trigger.API, r.trigger(), "the refused second request left no record");
    }

    @Test
    void aRefreshRunningSynchronouslyAlsoRefusesAsyncOnes() throws Exception {
        start(false);
        try (RunningRefresh running = new RunningRefresh(x.sources, "db")) {
            assertTrue(x.sources.isRefreshing("db"));
            assertEquals(KopiException.Kind.FAILED_PRECONDITION, assertThrows(KopiException.class,
                    () -> x.sources.refreshAsync("db", Trigger.API)).kind());
            x.sources.refreshAsync("cfg", Trigger.API); // another source is not blocked
        }
        assertTrue(eventually(() -> !x.sources.isRefreshing("db")));
    }

    @Test
    void aFailedAsyncRefreshIsRecordedWithItsTriggerAndPublished() throws Exception {
        start(false);
        x.sources.refreshAsync("cfg", Trigger.SCHEDULE);
        assertTrue(eventually(() -> !x.sources.isRefreshing("cfg")));
        RefreshRecord r = x.f.catalog.refresh("cfg").orElseThrow();
        assertFalse(r.ok());
        assertFalse(r.unchanged());
        assertEquals(Trigger.SCHEDULE, r.trigger());
        assertEquals(CloneFixture.NOW.toString(), r.startedAt().toString());
        assertTrue(r.error().contains("does not exist"), r.error());
        assertNull(r.snapshot(), "no snapshot");
        List<Events.Event> failed = x.events(EventKind.REFRESH_FAILED);
        assertEquals(1, failed.size());
        assertEquals("cfg", failed.get(0).name());
        assertEquals(Trigger.SCHEDULE.word(), failed.get(0).reason());
        assertEquals(r.error(), failed.get(0).message());
        assertTrue(x.f.runner.calls().isEmpty());
    }

    @Test
    void aFailedRefreshReleasesTheSlot() throws Exception {
        start(false);
        for (int i = 0; i < 3; i++) {
            KopiException e = assertThrows(KopiException.class, () -> x.sources.refresh("cfg", Progress.NONE,
                    Trigger.API));
            assertFalse(e.getMessage().contains("already running"), e.getMessage());
        }
        Throwable t = new RunningRefresh(x.sources, "db").finish();
        assertInstanceOf(KopiException.class, t);
        assertFalse(x.sources.isRefreshing("db"));
        assertEquals(Trigger.API, x.f.catalog.refresh("db").orElseThrow().trigger());
    }

    @Test
    void aSourceBeingRefreshedCannotBeRemoved() throws Exception {
        start(false);
        x.sources.add(SourcesAddTest.dump("api-db", "host=db2"));
        try (RunningRefresh running = new RunningRefresh(x.sources, "api-db")) {
            KopiException e = assertThrows(KopiException.class, () -> x.sources.remove("api-db", false));
            assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
        }
        assertTrue(eventually(() -> !x.sources.isRefreshing("api-db")));
        x.sources.remove("api-db", false);
        assertFalse(x.sources.isSource("api-db"));
    }

    @Test
    void afterCloseRefreshAsyncIsUnavailableAndLeavesNoClaim() throws Exception {
        start(false);
        x.sources.close();
        KopiException e = assertThrows(KopiException.class, () -> x.sources.refreshAsync("cfg", Trigger.API));
        assertEquals(KopiException.Kind.UNAVAILABLE, e.kind());
        assertFalse(x.sources.isRefreshing("cfg"));
    }

    // ---- an unchanged seed

    private Source seedSource() throws Exception {
        Path scripts = Files.createDirectories(tmp.resolve("scripts"));
        Path s1 = Files.writeString(scripts.resolve("01.sql"), "create table t (id int);\n");
        Path s2 = Files.writeString(scripts.resolve("02.sql"), "insert into t values (1);\n");
        return x.sources.add(SourceDefinition.builder("seeded").seed(List.of(s1.toString(), s2.toString()))
                .database("app").build());
    }

    private SnapshotRecord publishBuiltFrom(Source seed) {
        SnapshotRecord built = CloneFixture.snapshot("seeded", "20261122T030000Z", "2026-11-22T03:00:00Z")
                .withSeedHash(SeedHashes.of(seed, "16"));
        x.f.catalog.putSnapshot(built);
        return built;
    }

    @Test
    void anUnchangedSeedIsConfirmedNotRebuilt() throws Exception {
        start(true);
        SnapshotRecord built = publishBuiltFrom(seedSource());

        Sources.Outcome o = x.sources.refresh("seeded", Progress.NONE, Trigger.SCHEDULE);
        assertTrue(o.unchanged());
        assertEquals(built, o.snapshot());
        RefreshRecord r = x.f.catalog.refresh("seeded").orElseThrow();
        assertTrue(r.ok());
        assertTrue(r.unchanged());
        assertEquals(built.ref(), r.snapshot());
        assertEquals(Trigger.SCHEDULE, r.trigger());
        assertEquals("", r.error());
        List<Events.Event> ok = x.events(EventKind.REFRESH_OK);
        assertEquals(1, ok.size());
        assertEquals(Trigger.SCHEDULE.word(), ok.get(0).reason());
        assertTrue(ok.get(0).message().startsWith("unchanged"), ok.get(0).message());
        assertTrue(x.events(EventKind.SNAPSHOT_CREATED).isEmpty());
        assertTrue(x.f.runner.calls().isEmpty(), "nothing was run");
        assertFalse(x.sources.isRefreshing("seeded"));
        assertEquals(built, x.sources.refresh("seeded", Progress.NONE), "the old two-argument form");
        assertEquals(Trigger.API, x.f.catalog.refresh("seeded").orElseThrow().trigger());
    }

    @Test
    void anUnchangedSeedRefreshedInTheBackground() throws Exception {
        start(true);
        SnapshotRecord built = publishBuiltFrom(seedSource());
        x.sources.refreshAsync("seeded", Trigger.API);
        assertTrue(eventually(() -> !x.sources.isRefreshing("seeded")));
        RefreshRecord r = x.f.catalog.refresh("seeded").orElseThrow();
        assertTrue(r.ok() && r.unchanged(), r.toString());
        assertEquals(built.ref(), r.snapshot());
        assertEquals(Trigger.API, r.trigger());
        assertEquals(built, x.sources.get("seeded").latest().orElseThrow());
        assertEquals(r, x.sources.get("seeded").lastRefresh().orElseThrow());
    }
}
