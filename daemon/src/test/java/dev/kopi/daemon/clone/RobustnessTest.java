package dev.kopi.daemon.clone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CatalogStore;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.rpc.Calls;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.daemon.testing.CloneFixture;
import dev.kopi.daemon.testing.FakeInstances;
import dev.kopi.daemon.testing.SourcesFixture;

/** What must hold when things go wrong: frozen instances, races with users, restarts, odd input. */
class RobustnessTest {
    private static final ClonePolicy IDLE_HOUR = new ClonePolicy(Duration.ZERO, Duration.ofHours(1), 0,
            Duration.ofSeconds(5));

    @TempDir
    Path tmp;
    private CloneFixture f;
    private FakeInstances fake;
    private SnapshotRecord snap;
    private Reaper reaper;

    private void open(ClonePolicy policy) throws Exception {
        f = new CloneFixture(tmp, policy, CloneFixture.Kind.FAKE);
        fake = f.fake;
        snap = f.publish("prod", "20261123T020000Z", "2026-11-23T02:00:00Z");
    }

    @AfterEach
    void close() {
        if (reaper != null) {
            reaper.close();
        }
    }

    private CloneView create(String name) {
        return f.clones.create(CloneRequest.of(SnapshotRef.parse("prod")).named(name));
    }

    @Test
    void anEmptyNameIsRefusedNotTakenForNoName() throws Exception {
        open(ClonePolicy.DEFAULTS);
        KopiException e = assertThrows(KopiException.class, () -> Calls.create(f.clones, "prod", "", null));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        assertEquals("clone name is empty", e.getMessage());
        KopiException db = assertThrows(KopiException.class, () -> Calls.create(f.clones, "prod", "c1", ""));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, db.kind());
        assertTrue(f.catalog.clones().isEmpty());
        assertTrue(fake.started().isEmpty());
    }

    @Test
    void oneFrozenInstanceDoesNotHoldUpTheReapingOfOthers() throws Exception {
        open(IDLE_HOUR);
        reaper = new Reaper(f.clones, Duration.ofMillis(300), 4);
        create("frozen");
        create("idle");
        CountDownLatch thaw = new CountDownLatch(1);
        AtomicInteger asked = new AtomicInteger();
        fake.onSessions(spec -> {
            if (spec.name().equals("frozen")) {
                asked.incrementAndGet();
                try {
                    thaw.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        reaper.tick(); // starts both idle clocks
        f.clock.advance(Duration.ofHours(2));
        try {
            long t0 = System.nanoTime();
            assertEquals(1, reaper.tick(), "the idle one goes although the frozen one does not answer");
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos(), "the pass was not held up");
            assertTrue(f.catalog.clone("idle").isEmpty());
            reaper.tick();
            assertEquals(1, asked.get(), "a check still running is not started again");
        } finally {
            thaw.countDown();
        }
    }

    @Test
    void aCloneProtectedWhileItIsClosedForReapingIsKeptAndOpenedAgain() throws Exception {
        open(IDLE_HOUR);
        reaper = new Reaper(f.clones);
        create("c1");
        reaper.tick();
        f.clock.advance(Duration.ofHours(2));
        fake.onSetOpen(event -> {
            if (event.equals("c1:closed")) {
                f.clones.protect("c1", true); // the user, in the reaper's last moment
            }
        });
        assertEquals(0, reaper.tick());
        assertTrue(f.catalog.clone("c1").orElseThrow().protect());
        assertEquals(List.of("c1:closed", "c1:open"), fake.openings());
        assertFalse(fake.isClosed("c1"));
        assertTrue(fake.pid(f.dir("c1")).isPresent());
    }

    @Test
    void adoptionOpensAnInstanceAKilledKopidLeftClosed() throws Exception {
        open(ClonePolicy.DEFAULTS);
        CloneRecord r = f.existingClone(CloneFixture.cloneRecord("a", snap, f.firstPort));
        fake.adoptable(f.dir("a"));
        fake.leftClosed("a");
        assertEquals(Clones.Adoption.ADOPTED, f.clones.adopt(r));
        assertFalse(fake.isClosed("a"));
        assertEquals(List.of("a:open"), fake.openings());
    }

    @Test
    void aResetSwitchesTheRecordToAWholeNewVolumeBeforeTheOldOneGoes() throws Exception {
        open(ClonePolicy.DEFAULTS);
        CloneRecord before = create("c1").record();
        SnapshotRecord newer = f.publish("prod", "20261124T020000Z", "2026-11-24T02:00:00Z");
        f.backend.beforeDestroy(v -> {
            if (v.equals(VolumeId.clone("c1"))) {
                // a kopid killed here restarts on the record: it must name a volume that is whole
                CloneRecord now = reopened().clone("c1").orElseThrow();
                assertEquals(newer.ref(), now.snapshot());
                assertTrue(f.backend.contains(VolumeId.clone(now.volumeName())));
                assertFalse(now.volumeName().equals("c1"));
            }
        });
        CloneView after = f.clones.reset("c1", Optional.empty(), true);
        assertEquals(List.of(VolumeId.clone("c1")), f.backend.destroyed());
        assertEquals(before.port(), after.record().port());
        assertEquals(f.dir(after.record().volumeName()), fake.started().get(1).dataDir());
    }

    @Test
    void aResetWhoseNewVolumeCannotBeMadeLeavesTheCloneRunningAsItWas() throws Exception {
        open(ClonePolicy.DEFAULTS);
        CloneRecord before = create("c1").record();
        long pid = fake.pid(f.dir("c1")).orElseThrow();
        f.backend.failNextCloneWith(KopiException.exhausted("pool is full while trying to clone"));
        assertThrows(KopiException.class, () -> f.clones.reset("c1", Optional.empty(), false));
        assertEquals(before, f.catalog.clone("c1").orElseThrow());
        assertEquals(Optional.of(pid), fake.pid(f.dir("c1")), "the same instance, never stopped");
        assertEquals(1, fake.started().size());
    }

    @Test
    void aNameUsedAsAVolumeIsNotGivenToAnotherClone() throws Exception {
        open(ClonePolicy.DEFAULTS);
        create("c1");
        String volume = f.clones.reset("c1", Optional.empty(), false).record().volumeName();
        KopiException e = assertThrows(KopiException.class, () -> create(volume));
        assertEquals(KopiException.Kind.ALREADY_EXISTS, e.kind());
    }

    @Test
    void aWarmHandOutIsOnDiskWhenCreateReturns() throws Exception {
        Source prod = Source.ofDatadir("prod", Path.of("/srv/prod"), null, Source.Origin.CONFIG)
                .withSettings(SourceSettings.NONE.withWarm(1));
        try (SourcesFixture x = new SourcesFixture(tmp, Map.of("prod", prod), false, CloneFixture.Kind.FAKE)) {
            f = x.f;
            x.f.publish("prod", "20261123T020000Z", "2026-11-23T02:00:00Z");
            WarmPool pool = new WarmPool(x.f.clones, x.sources, Runnable::run);
            pool.tick();
            pool.close();
            String warm = x.f.clones.warm().get(0).name();
            x.f.clones.create(CloneRequest.of(SnapshotRef.parse("prod")).named("mine"));
            CloneRecord onDisk = reopened().clone("mine").orElseThrow();
            assertEquals(warm, onDisk.volumeName());
            assertFalse(onDisk.warm());
            assertTrue(reopened().clone(warm).isEmpty());
        }
    }

    private Catalog reopened() {
        return new Catalog(new CatalogStore(tmp.resolve("catalog.json")));
    }
}
