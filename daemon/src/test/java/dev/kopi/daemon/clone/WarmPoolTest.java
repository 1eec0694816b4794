package dev.kopi.daemon.clone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.PreparedKey;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.daemon.testing.CloneFixture;
import dev.kopi.daemon.testing.FakeInstances;
import dev.kopi.daemon.testing.SourcesFixture;

/** Warm clones: kept filled, handed out by a record rename, replaced by a newer snapshot, never leaked. */
class WarmPoolTest {
    @TempDir
    Path tmp;
    private SourcesFixture x;
    private CloneFixture f;
    private FakeInstances fake;
    private WarmPool pool;
    private SnapshotRecord snap;

    private void open(int warm) throws Exception {
        Source prod = Source.ofDatadir("prod", Path.of("/srv/prod"), null, Source.Origin.CONFIG)
                .withSettings(SourceSettings.NONE.withWarm(warm));
        x = new SourcesFixture(tmp, Map.of("prod", prod), false, CloneFixture.Kind.FAKE);
        f = x.f;
        fake = f.fake;
        pool = new WarmPool(f.clones, x.sources, starts::add); // not started: each test runs the passes itself
        snap = f.publish("prod", "20261123T020000Z", "2026-11-23T02:00:00Z");
    }

    @AfterEach
    void close() {
        if (pool != null) {
            pool.close();
        }
        if (x != null) {
            x.close();
        }
    }

    /**
     * Stops the pool's own thread, so the refill a hand-out wakes does not run behind the test's
     * back; passes run only when the test calls {@link WarmPool#tick()}.
     */
    private void quiet() {
        pool.close();
    }

    /** Starts a pass queued and not yet run: what the pool's start threads would be doing. */
    private final List<Runnable> starts = new ArrayList<>();

    /** One pass, and the starts it asked for, run to the end. */
    private void pass() {
        pass(pool);
    }

    private void pass(WarmPool p) {
        p.tick();
        runStarts();
    }

    private void runStarts() {
        while (!starts.isEmpty()) {
            starts.remove(0).run();
        }
    }

    private List<CloneRecord> warm() {
        return f.clones.warm();
    }

    private List<String> destroyedWith(String reason) {
        return f.events.recent().stream().filter(e -> e.kind() == EventKind.CLONE_DESTROYED
                && e.reason().equals(reason)).map(Events.Event::name).toList();
    }

    @Test
    void aPassStartsMissingWarmClonesAtMostTwoAtOnceUntilThereAreEnough() throws Exception {
        open(3);
        pool.tick();
        assertEquals(WarmPool.STARTS, starts.size(), "two starts at once");
        pool.tick();
        assertEquals(WarmPool.STARTS, starts.size(), "those being started count: no third while two run");
        runStarts();
        assertEquals(2, warm().size());
        pass();
        assertEquals(3, warm().size());
        pass();
        assertEquals(3, warm().size(), "no more than warm: 3");
        assertTrue(starts.isEmpty());
        for (CloneRecord w : warm()) {
            assertTrue(w.warm());
            assertEquals(snap.ref(), w.snapshot());
            assertTrue(w.name().startsWith("warm-"), w.name());
            assertTrue(fake.pid(f.dir(w.name())).isPresent(), "its instance runs");
            assertEquals(null, w.expiresAt(), "a warm clone never expires while warm");
        }
        assertEquals(3, fake.started().size());
        assertTrue(f.clones.list(Optional.empty()).isEmpty(), "warm clones are hidden from callers");
        assertTrue(f.events.recent().stream().noneMatch(e -> e.kind() == EventKind.CLONE_CREATED),
                "and make no created events until handed out");
    }

    @Test
    void aWarmCloneStillStartingHasARecordButIsNotReadyForHandOut() throws Exception {
        open(1);
        int[] seen = {-1, -1};
        fake.onStart(spec -> {
            // The record is written beside the start: wait for it, then look at what callers see.
            long until = System.nanoTime() + 5_000_000_000L;
            while (warm().isEmpty() && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            seen[0] = warm().size();
            seen[1] = f.clones.warmReady().size();
        });
        pass();
        assertEquals(1, seen[0], "the record exists while the instance starts");
        assertEquals(0, seen[1], "but it is not counted as ready (status, metrics) until the start ends");
        assertEquals(1, f.clones.warmReady().size(), "ready once started");
    }

    @Test
    void aCreateTakesAWarmCloneWithoutStartingAnInstance() throws Exception {
        open(1);
        pass();
        CloneRecord w = warm().get(0);
        int starts = fake.started().size();
        quiet();

        CloneView v = f.clones.create(CloneRequest.of(SnapshotRef.parse("prod")).named("mine")
                .living(Duration.ofHours(1), null));

        assertEquals(starts, fake.started().size(), "no new instance");
        assertEquals("mine", v.record().name());
        assertEquals(w.port(), v.record().port());
        assertEquals(w.user(), v.record().user());
        assertEquals(w.password(), v.record().password());
        assertEquals(w.name(), v.record().volumeName(), "it keeps its volume");
        assertFalse(v.record().warm());
        assertEquals(CloneFixture.NOW.plus(Duration.ofHours(1)), v.record().expiresAt(),
                "the caller's lifetime, from now");
        assertEquals(CloneView.State.RUNNING, v.state());
        assertEquals(v.record(), f.catalog.clone("mine").orElseThrow());
        assertTrue(f.catalog.clone(w.name()).isEmpty(), "the warm record is gone");
        assertTrue(warm().isEmpty());
        Events.Event created = f.events.recent().stream().filter(e -> e.kind() == EventKind.CLONE_CREATED)
                .findFirst().orElseThrow();
        assertEquals("mine", created.name());
        assertEquals("warm", created.reason());
        assertEquals(List.of("mine"), f.clones.list(Optional.empty()).stream().map(c -> c.record().name()).toList());
        assertEquals(CloneView.State.RUNNING, f.clones.get("mine").state(), "found through its own volume");

        pass();
        assertEquals(1, warm().size(), "the pool refills");
    }

    @Test
    void aHandedOutCloneIsDestroyedWithItsVolume() throws Exception {
        open(1);
        pass();
        String volume = warm().get(0).name();
        quiet();
        f.clones.create(CloneRequest.of(SnapshotRef.parse("prod")).named("mine"));
        f.clones.destroy("mine");
        assertFalse(f.backend.contains(VolumeId.clone(volume)));
        assertTrue(fake.pid(f.dir(volume)).isEmpty());
        assertEquals(CloneFixture.PORTS, f.ports.free());
    }

    @Test
    void aCallerWhoWantsAnotherDatabaseGetsAFreshClone() throws Exception {
        open(1);
        pass();
        quiet();
        CloneView v = f.clones.create(CloneRequest.of(SnapshotRef.parse("prod")).named("mine").inDatabase("other"));
        assertEquals("mine", v.record().volumeName(), "a volume of its own");
        assertEquals(1, warm().size(), "the warm clone stays for someone else");
        assertEquals(2, fake.started().size());
    }

    @Test
    void aWarmCloneWhoseInstanceDiedIsNotHandedOutAndGoes() throws Exception {
        open(1);
        pass();
        CloneRecord w = warm().get(0);
        fake.kill(f.dir(w.name()));
        quiet();

        CloneView v = f.clones.create(CloneRequest.of(SnapshotRef.parse("prod")).named("mine"));

        assertEquals("mine", v.record().volumeName(), "made fresh instead");
        assertTrue(SourcesFixture.eventually(() -> !destroyedWith("warm-dead").isEmpty()), "the dead one is destroyed");
        assertEquals(List.of(w.name()), destroyedWith("warm-dead"));
        assertTrue(f.catalog.clone(w.name()).isEmpty());
    }

    @Test
    void aNewerSnapshotReplacesTheWarmClonesOfTheOlderOne() throws Exception {
        open(2);
        pass();
        pass();
        List<String> old = warm().stream().map(CloneRecord::name).sorted().toList();
        SnapshotRecord newer = f.publish("prod", "20261124T020000Z", "2026-11-24T02:00:00Z");

        pass();

        assertEquals(old, destroyedWith("warm-replaced").stream().sorted().toList());
        assertEquals(2, warm().size(), "both replaced in one pass (two starts at once)");
        assertTrue(warm().stream().allMatch(w -> w.snapshot().equals(newer.ref())));
        pass();
        assertEquals(2, warm().size());
    }

    @Test
    void loweringWarmDestroysTheSurplus() throws Exception {
        open(2);
        pass();
        pass();
        x.close();
        pool.close();
        Source prod = Source.ofDatadir("prod", Path.of("/srv/prod"), null, Source.Origin.CONFIG)
                .withSettings(SourceSettings.NONE.withWarm(1));
        // a kopid restarted with warm: 1 over the same catalog, pool and instances
        SourcesFixture again = new SourcesFixture(tmp.resolve("again"), Map.of("prod", prod), false,
                CloneFixture.Kind.FAKE);
        try {
            WarmPool lower = new WarmPool(f.clones, again.sources, starts::add);
            pass(lower);
            assertEquals(1, warm().size());
            assertEquals(1, destroyedWith("warm-replaced").size());
            lower.close();
        } finally {
            again.close();
        }
    }

    @Test
    void startDestroysTheWarmClonesAPreviousKopidLeft() throws Exception {
        open(0);
        CloneRecord left = f.existingClone(CloneFixture.cloneRecord("warm-leftover12", snap, f.firstPort)
                .withWarm(true));
        pool.start();
        assertTrue(f.catalog.clone(left.name()).isEmpty());
        assertEquals(List.of("warm-leftover12"), destroyedWith("warm-restart"));
    }

    @Test
    void deletingTheSnapshotDestroysItsWarmClones() throws Exception {
        open(1);
        pass();
        x.snapshots.delete(snap.ref(), false);
        assertTrue(warm().isEmpty());
        assertTrue(f.catalog.snapshot(snap.ref()).isEmpty());
    }

    @Test
    void memoryIsTheSumOverRunningWarmClones() throws Exception {
        open(2);
        pass();
        pass();
        assertEquals(2 * FakeInstances.MEMORY, pool.memory());
        fake.kill(f.dir(warm().get(0).name()));
        assertEquals(FakeInstances.MEMORY, pool.memory());
    }

    @Test
    void warmClonesCountAgainstTheCloneLimitButAHandOutDoesNot() throws Exception {
        open(1);
        pass();
        quiet();
        assertEquals(1, f.catalog.clones().size());
        CloneView v = f.clones.create(CloneRequest.of(SnapshotRef.parse("prod")).named("mine"));
        assertEquals(1, f.catalog.clones().size(), "the hand-out renamed the warm clone: still one");
        assertEquals("mine", v.record().name());
    }

    @Test
    void theReaperLeavesWarmClonesAlone() throws Exception {
        open(1);
        pass();
        f.clock.advance(Duration.ofDays(30));
        assertEquals(0, new Reaper(f.clones).tick());
        assertEquals(1, warm().size());
    }

    /** A snapshot prepared from {@code base} under {@code key}, as PreparedSnapshots publishes it. */
    private SnapshotRecord prepared(SnapshotRecord base, String key, String createdAt) {
        SnapshotRecord r = CloneFixture.snapshot("prod." + key, "20261123T030000Z", createdAt)
                .branchedFrom(base.ref(), "builder", "prepared").toBuilder()
                .prepared(new PreparedKey(key, PreparedKey.ADMINS))
                .build();
        f.backend.add(VolumeId.snapshot(r.source(), r.tag()));
        f.catalog.putSnapshot(r);
        return r;
    }

    private long warmOf(SnapshotRecord s) {
        return warm().stream().filter(w -> w.snapshot().equals(s.ref())).count();
    }

    @Test
    void theNewestPreparedSnapshotOfTheSourcesNewestGetsWarmClonesTooAndAnOlderOneLosesThem() throws Exception {
        open(2);
        quiet();
        SnapshotRecord migrated = prepared(snap, "abc123", "2026-11-23T03:00:00Z");
        for (int i = 0; i < 3; i++) {
            pass();
        }
        assertEquals(2, warmOf(snap));
        assertEquals(2, warmOf(migrated), "the migrated snapshot is warm as well");

        SnapshotRecord newer = prepared(snap, "def456", "2026-11-23T04:00:00Z");
        for (int i = 0; i < 3; i++) {
            pass();
        }
        assertEquals(0, warmOf(migrated), "only the newest prepared snapshot is kept warm");
        assertEquals(2, warmOf(newer));
        assertEquals(2, destroyedWith("warm-replaced").size());
    }

    @Test
    void aPreparedSnapshotOfASourceWithoutWarmClonesGetsNone() throws Exception {
        open(0);
        quiet();
        SnapshotRecord migrated = prepared(snap, "abc123", "2026-11-23T03:00:00Z");
        pass();
        assertEquals(0, warmOf(migrated));
        assertEquals(0, warm().size());
    }
}
