package dev.kopi.daemon.source;

import static dev.kopi.daemon.testing.SourcesFixture.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.RefreshRecord;
import dev.kopi.daemon.catalog.SnapshotLookup;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.catalog.SourceRecord;
import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.Trigger;
import dev.kopi.daemon.testing.RunningRefresh;
import dev.kopi.daemon.testing.SourcesFixture;

class SchedulerTest {
    private static final Instant DAY = Instant.parse("2026-11-23T00:00:00Z");

    @TempDir
    Path tmp;
    private SourcesFixture x;
    private Scheduler scheduler;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (x != null) {
            for (Source s : x.sources.all()) {
                awaitIdle(s.name()); // a background refresh still writing the catalog
            }
        }
        if (scheduler != null) {
            scheduler.close();
        }
        if (x != null) {
            x.close();
        }
    }

    /** A data directory source that does not exist: every refresh fails at once, running nothing. */
    private static Source datadir(String name, String schedule, int keep) {
        return new Source(name, Source.Kind.DATADIR, Path.of("/nonexistent/" + name), null, List.of(), null,
                new SourceSettings(schedule, keep, List.of(), null, null, null, null, null), Source.Origin.CONFIG);
    }

    private static Source basebackup(String name, String schedule) {
        return SourceDefinition.builder(name).basebackup("host=db1 user=kopi").schedule(schedule).build()
                .toSource(Source.Origin.CONFIG);
    }

    private void start(Source... configured) throws Exception {
        Map<String, Source> m = new HashMap<>();
        for (Source s : configured) {
            m.put(s.name(), s);
        }
        x = new SourcesFixture(tmp, m);
        scheduler = new Scheduler(x.sources, x.retention::apply, x.f.events, x.f.clock);
    }

    private Set<String> tickAt(String hhmmss) {
        x.f.clock.set(DAY.plus(Duration.parse("PT" + hhmmss.replaceFirst("(\\d\\d):(\\d\\d):(\\d\\d)",
                "$1H$2M$3S"))));
        return scheduler.tick();
    }

    private Set<String> tickAt(Instant at) {
        x.f.clock.set(at);
        return scheduler.tick();
    }

    private void awaitIdle(String source) throws InterruptedException {
        assertTrue(eventually(() -> !x.sources.isRefreshing(source)), source + " is still refreshing");
    }

    @Test
    void aSourceWithoutScheduleNeverFires() throws Exception {
        start(datadir("manual", null, 0));
        for (String t : List.of("00:00:00", "03:00:00", "12:00:00", "23:59:59")) {
            assertEquals(Set.of(), tickAt(t));
        }
        assertTrue(x.f.catalog.refresh("manual").isEmpty());
    }

    @Test
    void firesOncePerDueTime() throws Exception {
        start(datadir("nightly", "0 3 * * *", 0));
        assertEquals(Set.of(), tickAt("02:59:00"));
        assertEquals(Set.of(), tickAt("02:59:59"));
        assertEquals(Set.of("nightly"), tickAt("03:00:00"));
        awaitIdle("nightly");
        assertEquals(Set.of(), tickAt("03:00:00"), "the same due time fires once");
        assertEquals(Set.of(), tickAt("03:00:01"));
        assertEquals(Set.of(), tickAt("23:59:59"));
        assertEquals(Set.of("nightly"), tickAt(DAY.plus(Duration.ofHours(27))));
    }

    @Test
    void aScheduledRefreshIsRecordedAsSuch() throws Exception {
        start(datadir("nightly", "0 3 * * *", 0));
        tickAt("02:00:00");
        assertEquals(Set.of("nightly"), tickAt("03:00:00"));
        awaitIdle("nightly");
        RefreshRecord r = x.f.catalog.refresh("nightly").orElseThrow();
        assertEquals(Trigger.SCHEDULE, r.trigger());
        assertFalse(r.ok());
        assertEquals(DAY.plus(Duration.ofHours(3)).toString(), r.startedAt().toString());
        List<Events.Event> failed = x.events(EventKind.REFRESH_FAILED);
        assertEquals(1, failed.size());
        assertEquals("nightly", failed.get(0).name());
        assertEquals(Trigger.SCHEDULE.word(), failed.get(0).reason());
    }

    @Test
    void aDueTimeSeenFirstIsNotMadeUp() throws Exception {
        start(datadir("nightly", "0 3 * * *", 0));
        assertEquals(Set.of(), tickAt("03:00:00"), "a run is due only after kopid has seen the source");
        assertEquals(Set.of(), tickAt("03:30:00"));
    }

    @Test
    void missedRunsFireOnceThenTheNextIsComputedFromNow() throws Exception {
        start(datadir("nightly", "0 3 * * *", 0));
        tickAt("02:00:00");
        // kopid was suspended for three days
        assertEquals(Set.of("nightly"), tickAt(DAY.plus(Duration.ofDays(3)).plus(Duration.ofHours(5))));
        awaitIdle("nightly");
        assertEquals(Set.of(), tickAt(DAY.plus(Duration.ofDays(3)).plus(Duration.ofHours(6))));
        assertEquals(Set.of("nightly"), tickAt(DAY.plus(Duration.ofDays(4)).plus(Duration.ofHours(3))));
    }

    @Test
    void secondsSchedules() throws Exception {
        start(datadir("often", "*/5 * * * * *", 0));
        assertEquals(Set.of(), tickAt("10:00:00"));
        assertEquals(Set.of(), tickAt("10:00:04"));
        assertEquals(Set.of("often"), tickAt("10:00:05"));
        awaitIdle("often");
        assertEquals(Set.of(), tickAt("10:00:07"));
        assertEquals(Set.of("often"), tickAt("10:00:10"));
    }

    @Test
    void sourcesFireIndependently() throws Exception {
        start(datadir("a", "0 3 * * *", 0), datadir("b", "0 4 * * *", 0), datadir("c", "0 3 * * *", 0));
        tickAt("02:00:00");
        assertEquals(Set.of("a", "c"), tickAt("03:00:00"));
        awaitIdle("a");
        awaitIdle("c");
        assertEquals(Set.of("b"), tickAt("04:00:00"));
    }

    @Test
    void aRunningRefreshMakesTheScheduledOneSkipAndSaySo() throws Exception {
        start(basebackup("db", "0 3 * * *"));
        tickAt("02:00:00");
        x.f.clock.set(DAY.plus(Duration.ofHours(3)));
        try (RunningRefresh running = new RunningRefresh(x.sources, "db")) {
            assertEquals(Set.of(), scheduler.tick());
            List<Events.Event> skipped = x.events(EventKind.REFRESH_SKIPPED);
            assertEquals(1, skipped.size());
            assertEquals("db", skipped.get(0).name());
            assertEquals(Trigger.SCHEDULE.word(), skipped.get(0).reason());
            assertTrue(skipped.get(0).message().contains("already running"), skipped.get(0).message());
            assertEquals(Set.of(), scheduler.tick(), "skipped once, not on every tick");
            assertEquals(1, x.events(EventKind.REFRESH_SKIPPED).size());
        }
        awaitIdle("db");
        assertEquals(Set.of(), tickAt("03:00:01"), "the skipped run is not made up");
        assertEquals(Trigger.API, x.f.catalog.refresh("db").orElseThrow().trigger());
        assertEquals(Set.of("db"), tickAt(DAY.plus(Duration.ofHours(27))));
    }

    @Test
    void aChangedExpressionIsRecomputed() throws Exception {
        start();
        x.f.catalog.putSource(new SourceRecord("api", "datadir", "/nonexistent/api", null, DAY, null,
                List.of(), new SourceSettings("0 3 * * *", 0, List.of(), null, null, null, null, null)));
        assertEquals(Set.of(), tickAt("02:00:00"));
        SourceRecord r = x.f.catalog.source("api").orElseThrow();
        x.f.catalog.putSource(new SourceRecord(r.name(), r.kind(), r.datadir(), r.superuser(), r.createdAt(),
                r.conninfo(), r.seed(), new SourceSettings("30 2 * * *", 0, List.of(), null, null, null, null, null)));
        assertEquals(Set.of(), tickAt("02:10:00"));
        assertEquals(Set.of("api"), tickAt("02:30:00"), "due under the new expression");
        awaitIdle("api");
        assertEquals(Set.of(), tickAt("03:00:00"), "no longer due under the old one");
    }

    @Test
    void aRemovedAndReAddedSourceStartsAfresh() throws Exception {
        start();
        SourceSettings nightly = new SourceSettings("0 3 * * *", 0, List.of(), null, null, null, null, null);
        SourceRecord rec = new SourceRecord("api", "datadir", "/nonexistent/api", null, DAY, null,
                List.of(), nightly);
        x.f.catalog.putSource(rec);
        tickAt("02:00:00");
        x.f.catalog.removeSource("api");
        assertEquals(Set.of(), tickAt("02:10:00"));
        x.f.catalog.putSource(rec);
        assertEquals(Set.of(), tickAt("03:30:00"), "the 03:00 computed before it was removed is forgotten");
        assertEquals(Set.of("api"), tickAt(DAY.plus(Duration.ofHours(27))));
    }

    @Test
    void aScheduleThatNeverComesDoesNotFireOrFail() throws Exception {
        start(datadir("never", "0 0 31 2 *", 0), datadir("nightly", "0 3 * * *", 0));
        tickAt("02:00:00");
        assertEquals(Set.of("nightly"), tickAt("03:00:00"));
        awaitIdle("nightly");
        assertEquals(Set.of(), tickAt(DAY.plus(Duration.ofDays(400))).stream().filter("never"::equals)
                .collect(Collectors.toSet()));
    }

    @Test
    void retentionRunsOnEveryTickForSourcesThatKeepSome() throws Exception {
        start(datadir("kept", null, 1), datadir("all", null, 0));
        SnapshotRecord old = x.f.publish("kept", "20261121T030000Z", "2026-11-21T03:00:00Z");
        SnapshotRecord newest = x.f.publish("kept", "20261122T030000Z", "2026-11-22T03:00:00Z");
        x.f.publish("all", "20261121T030000Z", "2026-11-21T03:00:00Z");
        x.f.publish("all", "20261122T030000Z", "2026-11-22T03:00:00Z");
        tickAt("12:00:00");
        assertTrue(x.f.catalog.snapshot(old.ref()).isEmpty());
        assertTrue(x.f.catalog.snapshot(newest.ref()).isPresent());
        assertEquals(2, SnapshotLookup.ofSource(x.f.catalog, "all").size());
    }

    @Test
    void retentionWaitsWhileTheSourceIsRefreshing() throws Exception {
        Source db = basebackup("db", null);
        Source keeping = new Source(db.name(), db.kind(), null, db.conninfo(), List.of(), null,
                new SourceSettings(null, 1, List.of(), null, null, null, null, null), Source.Origin.CONFIG);
        start(keeping);
        SnapshotRecord old = x.f.publish("db", "20261121T030000Z", "2026-11-21T03:00:00Z");
        x.f.publish("db", "20261122T030000Z", "2026-11-22T03:00:00Z");
        try (RunningRefresh running = new RunningRefresh(x.sources, "db")) {
            tickAt("12:00:00");
            assertTrue(x.f.catalog.snapshot(old.ref()).isPresent());
        }
        awaitIdle("db");
        tickAt("12:00:01");
        assertTrue(x.f.catalog.snapshot(old.ref()).isEmpty());
    }

    @Test
    void aScheduleRemovedAndLaterGivenAgainStartsAfresh() throws Exception {
        start();
        SourceSettings nightly = new SourceSettings("0 3 * * *", 0, List.of(), null, null, null, null, null);
        SourceRecord rec = new SourceRecord("api", "datadir", "/nonexistent/api", null, DAY, null,
                List.of(), nightly);
        x.f.catalog.putSource(rec);
        tickAt("02:00:00"); // next: 03:00 today
        x.f.catalog.putSource(new SourceRecord("api", "datadir", "/nonexistent/api", null, DAY, null,
                List.of(), SourceSettings.NONE));
        assertEquals(Set.of(), tickAt("02:30:00"));
        assertEquals(Set.of(), tickAt(DAY.plus(Duration.ofDays(2))));
        x.f.catalog.putSource(rec);
        assertEquals(Set.of(), tickAt(DAY.plus(Duration.ofDays(2)).plus(Duration.ofHours(1))),
                "the 03:00 of two days ago, computed under the old schedule, is not made up");
        assertEquals(Set.of("api"), tickAt(DAY.plus(Duration.ofDays(2)).plus(Duration.ofHours(3))));
    }
}
