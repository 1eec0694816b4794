package dev.kopi.daemon.clone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.rpc.Calls;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.daemon.testing.CloneFixture;

/**
 * One reaper pass ({@link Reaper#tick()}) over clones on the fake pool. No postgres runs, so a
 * clone's session count cannot be learned and its instance is down: for the idle rules such a
 * clone is idle since kopid first saw it.
 */
class ReaperTest {
    private static final ClonePolicy NO_IDLE = new ClonePolicy(Duration.ZERO, Duration.ZERO, 0, Duration.ofSeconds(5));
    private static final ClonePolicy IDLE_HOUR = new ClonePolicy(Duration.ZERO, Duration.ofHours(1), 0,
            Duration.ofSeconds(5));

    @TempDir
    Path tmp;
    private CloneFixture f;
    private SnapshotRecord snap;
    private Reaper reaper;

    private void open(ClonePolicy policy) throws Exception {
        f = new CloneFixture(tmp, policy, false);
        snap = f.publish("prod", "20261123T020000Z", "2026-11-23T02:00:00Z");
        // One clone at a time, in name order, so a test can act between two clones of a pass.
        reaper = new Reaper(f.clones, Reaper.PASS_WAIT, 1);
    }

    private int port = 0;

    private CloneRecord clone(String name) {
        return CloneFixture.cloneRecord(name, snap, f.firstPort + port++);
    }

    private List<String> clones() {
        return f.catalog.clones().stream().map(CloneRecord::name).toList();
    }

    private List<String> destroyedWith(String reason) {
        return f.events.recent().stream().filter(e -> e.kind() == EventKind.CLONE_DESTROYED
                && e.reason().equals(reason)).map(Events.Event::name).toList();
    }

    // ------------------------------------------------------------------ TTL

    @Test
    void expiredClonesAreDestroyedWithReasonTtl() throws Exception {
        open(NO_IDLE);
        f.existingClone(clone("gone").withExpiry(Instant.parse("2026-11-23T03:59:59Z")));
        f.existingClone(clone("now").withExpiry(CloneFixture.NOW));
        f.existingClone(clone("later").withExpiry(Instant.parse("2026-11-23T04:00:01Z")));
        f.existingClone(clone("forever"));

        assertEquals(2, reaper.tick());

        assertEquals(List.of("forever", "later"), clones());
        assertEquals(List.of("gone", "now"), destroyedWith("ttl"));
        assertFalse(f.backend.contains(VolumeId.clone("gone")));
        assertEquals(CloneFixture.PORTS - 2, f.ports.free(), "their ports are free again");
    }

    @Test
    void aCloneExpiresOnceTheClockPassesItsExpiry() throws Exception {
        open(NO_IDLE);
        f.existingClone(clone("c1").withExpiry(Instant.parse("2026-11-23T06:00:00Z")));
        assertEquals(0, reaper.tick());
        f.clock.advance(Duration.ofHours(2).minusMillis(1));
        assertEquals(0, reaper.tick());
        f.clock.advance(Duration.ofMillis(1));
        assertEquals(1, reaper.tick());
        assertTrue(clones().isEmpty());
        assertEquals(0, reaper.tick(), "nothing left to do");
    }

    @Test
    void anExtendedCloneLivesUntilItsNewExpiry() throws Exception {
        open(NO_IDLE);
        f.existingClone(clone("c1").withExpiry(Instant.parse("2026-11-23T05:00:00Z")));
        Calls.extend(f.clones, "c1", "1h");
        f.clock.set(Instant.parse("2026-11-23T05:30:00Z"));
        assertEquals(0, reaper.tick());
        f.clock.set(Instant.parse("2026-11-23T06:00:00Z"));
        assertEquals(1, reaper.tick());
    }

    @Test
    void protectedClonesNeverExpire() throws Exception {
        open(NO_IDLE);
        f.existingClone(clone("kept").withExpiry(Instant.parse("2026-11-23T01:00:00Z")).withProtect(true));
        f.clock.advance(Duration.ofDays(365));
        assertEquals(0, reaper.tick());
        assertEquals(List.of("kept"), clones());
        assertTrue(f.events.recent().isEmpty());

        f.clones.protect("kept", false);
        assertEquals(1, reaper.tick(), "once unprotected it is reaped");
        assertEquals(List.of("kept"), destroyedWith("ttl"));
    }

    @Test
    void aCloneBusyBeingDestroyedIsSkipped() throws Exception {
        open(NO_IDLE);
        f.existingClone(clone("c1").withExpiry(Instant.parse("2026-11-23T01:00:00Z")));
        AtomicInteger reapedMeanwhile = new AtomicInteger(-1);
        f.backend.beforeDestroy(v -> reapedMeanwhile.set(reaper.tick()));

        f.clones.destroy("c1");

        assertEquals(0, reapedMeanwhile.get(), "the reaper left the busy clone alone");
        assertEquals(List.of(VolumeId.clone("c1")), f.backend.destroyed());
        assertEquals(List.of("c1"), destroyedWith("user"));
        assertTrue(destroyedWith("ttl").isEmpty());
    }

    @Test
    void aFailedDestroyDoesNotStopThePassAndIsRetriedNextTime() throws Exception {
        open(NO_IDLE);
        f.existingClone(clone("a").withExpiry(Instant.parse("2026-11-23T01:00:00Z")));
        f.existingClone(clone("b").withExpiry(Instant.parse("2026-11-23T01:00:00Z")));
        f.backend.failDestroyOf(VolumeId.clone("a"));

        assertEquals(1, reaper.tick());
        assertEquals(List.of("a"), clones());
        assertEquals(List.of("b"), destroyedWith("ttl"));
    }

    /**
     * A pass works from the records as read at its start and can take seconds (idle checks open
     * connections): a clone protected or extended meanwhile is judged again on its current record
     * before it is destroyed.
     */
    @Test
    void aCloneProtectedDuringAPassIsNotDestroyed() throws Exception {
        open(NO_IDLE);
        f.existingClone(clone("a").withExpiry(Instant.parse("2026-11-23T01:00:00Z")));
        f.existingClone(clone("b").withExpiry(Instant.parse("2026-11-23T01:00:00Z")));
        f.backend.beforeDestroy(v -> {
            if (v.equals(VolumeId.clone("a"))) {
                f.clones.protect("b", true); // the user protects b while the reaper deals with a
            }
        });

        reaper.tick();

        assertEquals(List.of("b"), clones(), "b was protected before the reaper got to it");
    }

    // ------------------------------------------------------------------ idle

    @Test
    void aCloneWithoutSessionsIsDestroyedAfterItsIdleTimeoutWithReasonIdle() throws Exception {
        open(IDLE_HOUR);
        CloneRecord c = f.existingClone(clone("c1"));
        assertEquals(0, reaper.tick(), "idle since now");
        f.clock.advance(Duration.ofMinutes(59));
        assertEquals(0, reaper.tick());
        f.clock.advance(Duration.ofMinutes(1));

        assertEquals(1, reaper.tick());

        assertTrue(clones().isEmpty());
        assertEquals(List.of("c1"), destroyedWith("idle"));
        assertFalse(Files.exists(tmp.resolve("hba").resolve(c.port() + ".conf")), "its closed pg_hba.conf is gone too");
        assertEquals(CloneFixture.PORTS, f.ports.free());
    }

    @Test
    void aClonesOwnIdleTimeoutWinsOverTheDefault() throws Exception {
        open(IDLE_HOUR);
        f.existingClone(clone("short").withIdleTimeout(Duration.ofMinutes(10)));
        f.existingClone(clone("dflt"));
        reaper.tick();
        f.clock.advance(Duration.ofMinutes(10));
        assertEquals(1, reaper.tick());
        assertEquals(List.of("dflt"), clones());
        assertEquals(List.of("short"), destroyedWith("idle"));
    }

    @Test
    void idleTimeoutZeroMeansNeverReapedForIdleness() throws Exception {
        open(IDLE_HOUR);
        f.existingClone(clone("never").withIdleTimeout(Duration.ZERO));
        reaper.tick();
        f.clock.advance(Duration.ofDays(100));
        assertEquals(0, reaper.tick());
        assertEquals(List.of("never"), clones());
    }

    @Test
    void noDefaultIdleTimeoutMeansNeverReapedForIdleness() throws Exception {
        open(NO_IDLE);
        f.existingClone(clone("c1"));
        reaper.tick();
        f.clock.advance(Duration.ofDays(100));
        assertEquals(0, reaper.tick());
        assertEquals(List.of("c1"), clones());
    }

    @Test
    void protectedClonesAreNeverReapedForIdleness() throws Exception {
        open(IDLE_HOUR);
        f.existingClone(clone("kept").withProtect(true));
        reaper.tick();
        f.clock.advance(Duration.ofDays(3));
        assertEquals(0, reaper.tick());
        assertEquals(List.of("kept"), clones());
    }

    @Test
    void activityRestartsTheIdleClock() throws Exception {
        open(IDLE_HOUR);
        f.existingClone(clone("c1"));
        reaper.tick();
        f.clock.advance(Duration.ofMinutes(50));
        f.clones.activity().touch("c1", f.clock.instant());
        f.clock.advance(Duration.ofMinutes(50));
        assertEquals(0, reaper.tick(), "only 50 minutes since the last session");
        f.clock.advance(Duration.ofMinutes(10));
        assertEquals(1, reaper.tick());
    }

    @Test
    void anExpiredCloneIsReapedForItsTtlNotForIdleness() throws Exception {
        open(IDLE_HOUR);
        f.existingClone(clone("c1").withExpiry(Instant.parse("2026-11-23T04:30:00Z")));
        reaper.tick();
        f.clock.advance(Duration.ofHours(2));
        assertEquals(1, reaper.tick());
        assertEquals(List.of("c1"), destroyedWith("ttl"));
        assertTrue(destroyedWith("idle").isEmpty());
    }
}
