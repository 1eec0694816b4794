package dev.kopi.daemon.clone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CatalogStore;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.rpc.Calls;
import dev.kopi.daemon.snapshot.Snapshots;
import dev.kopi.daemon.storage.SpaceUsage;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.daemon.testing.CloneFixture;
import dev.kopi.daemon.testing.SpawnRecorder;

/** Clone lifetimes (TTL, idle timeout, protection), the clone limit, extend, protect, reset, destroy events. */
class ClonesLifecycleTest {
    private static final String OLDER_TAG = "20261123T020000Z";
    private static final ClonePolicy EIGHT_HOURS = new ClonePolicy(Duration.ofHours(8), Duration.ofMinutes(45), 0,
            Duration.ofSeconds(5));

    @TempDir
    Path tmp;
    private CloneFixture f;
    private SnapshotRecord older;
    private SnapshotRecord newer;

    private void open(ClonePolicy policy, boolean fakeBinaries) throws IOException {
        f = new CloneFixture(tmp, policy, fakeBinaries);
        older = f.publish("prod", OLDER_TAG, "2026-11-23T02:00:00Z");
        newer = f.publish("prod", "20261124T020000Z", "2026-11-24T02:00:00Z");
    }

    /** The clone record as it was while the clone's postgres was being started, and what start got. */
    private record AtStart(CloneRecord record, List<String> argv, KopiException error) {
    }

    /** Creates a clone with the fake binaries; its start is refused once its record is written. */
    private AtStart createAndCatchAtStart(String name, Calls.Options options) {
        AtomicReference<CloneRecord> seen = new AtomicReference<>();
        AtomicReference<List<String>> argv = new AtomicReference<>();
        f.spawns.onSpawn(a -> {
            argv.set(a);
            seen.set(awaitRecord(name));
        });
        KopiException e = assertThrows(KopiException.class, () -> Calls.create(f.clones, "prod", name, null, options));
        assertEquals(KopiException.Kind.INTERNAL, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(SpawnRecorder.REFUSAL), e.getMessage());
        assertNotNull(seen.get(), "postgres was started");
        return new AtStart(seen.get(), argv.get(), e);
    }

    /** The record create writes while postgres starts (in the background, so wait a little). */
    private CloneRecord awaitRecord(String name) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<CloneRecord> r = f.catalog.clone(name);
            if (r.isPresent()) {
                return r.get();
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("the record of " + name + " was never written");
    }

    private void assertNoCloneLeftBehind(int existingClones) {
        assertEquals(existingClones, f.catalog.clones().size());
        assertEquals(CloneFixture.PORTS - existingClones, f.ports.free(), "ports");
        assertEquals(existingClones, f.backend.list().stream().filter(v -> v.kind() == VolumeId.Kind.CLONE).count());
    }

    private CloneRecord clone(String name, SnapshotRecord snap, int portOffset) {
        return CloneFixture.cloneRecord(name, snap, f.firstPort + portOffset).toBuilder().user("kopi_" + name + "user")
                .password("pw-" + name).build();
    }

    private List<Events.Event> events(EventKind kind) {
        return f.events.recent().stream().filter(e -> e.kind() == kind).toList();
    }

    // ------------------------------------------------------------------ create

    @Test
    void createRecordsTheRequestedLifetime() throws Exception {
        open(ClonePolicy.DEFAULTS, true);
        AtStart s = createAndCatchAtStart("c1", new Calls.Options("2h", "30m", true));

        assertEquals("2026-11-23T06:00:00Z", s.record().expiresAt().toString());
        assertEquals(1800L, s.record().idleTimeout().getSeconds());
        assertTrue(s.record().protect());
        assertEquals(0, s.record().resetCount());
        assertNull(s.record().resetAt());
        assertEquals(CloneFixture.NOW.toString(), s.record().createdAt().toString());
        assertEquals(older.name().replace(OLDER_TAG, newer.tag()), s.record().snapshot().toString(), "the latest of prod");
        assertEquals(Integer.toString(s.record().port()), SpawnRecorder.setting(s.argv(), "port"));
        assertNoCloneLeftBehind(0);
    }

    @Test
    void emptyOptionsTakeTheConfiguredDefaults() throws Exception {
        open(EIGHT_HOURS, true);
        CloneRecord r = createAndCatchAtStart("c1", Calls.Options.DEFAULTS).record();
        assertEquals("2026-11-23T12:00:00Z", r.expiresAt().toString());
        assertEquals(2700L, r.idleTimeout().getSeconds());
        assertFalse(r.protect());

        CloneRecord nulls = createAndCatchAtStart("c2", new Calls.Options(null, null, false)).record();
        assertEquals("2026-11-23T12:00:00Z", nulls.expiresAt().toString());
        assertEquals(2700L, nulls.idleTimeout().getSeconds());
    }

    @Test
    void zeroMeansNeverWhateverTheDefaults() throws Exception {
        open(EIGHT_HOURS, true);
        CloneRecord r = createAndCatchAtStart("c1", new Calls.Options("0", "0", false)).record();
        assertNull(r.expiresAt(), "no expiry");
        assertEquals(0L, r.idleTimeout().getSeconds(), "never idle-reaped");
        assertEquals(Duration.ZERO, f.clones.activity().idleTimeout(r));
    }

    @Test
    void theDefaultPolicyNeverExpiresClonesAndReapsThemAfterTwoIdleHours() throws Exception {
        open(ClonePolicy.DEFAULTS, true);
        CloneRecord r = createAndCatchAtStart("c1", Calls.Options.DEFAULTS).record();
        assertNull(r.expiresAt());
        assertEquals(7200L, r.idleTimeout().getSeconds());
    }

    /**
     * The idle timeout is stored as whole seconds and 0 means "never": an accepted sub-second
     * idle timeout ("500ms", or clones.idle_timeout: 500ms in the config) must be refused or
     * rounded up, never turned into its opposite.
     */
    @Test
    void aSubSecondIdleTimeoutDoesNotBecomeNever() throws Exception {
        open(ClonePolicy.DEFAULTS, true);
        AtomicReference<CloneRecord> seen = new AtomicReference<>();
        f.spawns.onSpawn(argv -> seen.set(awaitRecord("c1")));
        KopiException e = assertThrows(KopiException.class,
                () -> Calls.create(f.clones, "prod", "c1", null, new Calls.Options("", "500ms", false)));
        if (e.kind() != KopiException.Kind.INVALID_ARGUMENT) { // refusing it would be fine too
            assertNotNull(seen.get());
            assertFalse(f.clones.activity().idleTimeout(seen.get()).isZero(),
                    "recorded idle timeout " + seen.get().idleTimeout().getSeconds() + "s means never");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "-1h", "1.5h", "3651d", "2h\nDROP", "1", "h"})
    void badDurationsAreInvalidArgumentBeforeAnythingIsTouched(String bad) throws Exception {
        open(EIGHT_HOURS, true);
        KopiException ttl = assertThrows(KopiException.class,
                () -> Calls.create(f.clones, "prod", "c1", null, new Calls.Options(bad, "", false)));
        KopiException idle = assertThrows(KopiException.class,
                () -> Calls.create(f.clones, "prod", "c1", null, new Calls.Options("", bad, false)));

        assertEquals(KopiException.Kind.INVALID_ARGUMENT, ttl.kind());
        assertTrue(ttl.getMessage().startsWith("ttl: "), ttl.getMessage());
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, idle.kind());
        assertTrue(idle.getMessage().startsWith("idle timeout: "), idle.getMessage());
        assertFalse(idle.getMessage().contains("\n"), idle.getMessage());

        assertTrue(f.backend.destroyed().isEmpty(), "no volume was made");
        assertNoCloneLeftBehind(0);
        assertTrue(f.spawns.spawns().isEmpty());
        try (Stream<Path> hba = Files.list(tmp.resolve("hba")); Stream<Path> run = Files.list(tmp.resolve("run"))) {
            assertEquals(0, hba.count() + run.count(), "no runtime files");
        }
    }

    @Test
    void aBadDurationIsReportedBeforeAnUnknownSnapshotOrABadName() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        KopiException e = assertThrows(KopiException.class,
                () -> Calls.create(f.clones, "nosuch", "Bad Name", null, new Calls.Options("", "forever", false)));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().startsWith("idle timeout: 'forever'"), e.getMessage());
    }

    // ------------------------------------------------------------------ clones.max

    @Test
    void atTheLimitCreateIsResourceExhaustedAndLeavesNothingBehind() throws Exception {
        open(new ClonePolicy(Duration.ZERO, Duration.ZERO, 2, Duration.ofSeconds(5)), false);
        f.existingClone(clone("a", older, 0));
        f.existingClone(clone("b", older, 1));

        KopiException e = assertThrows(KopiException.class, () -> Calls.create(f.clones, "prod", "c1", null));

        assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED, e.kind());
        assertTrue(e.getMessage().contains("2 clones exist and clones.max is 2"), e.getMessage());
        assertTrue(f.backend.destroyed().isEmpty());
        assertFalse(f.backend.contains(VolumeId.clone("c1")));
        assertNoCloneLeftBehind(2);
        assertTrue(f.runner.calls().isEmpty());
        assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED, assertThrows(KopiException.class,
                () -> Calls.create(f.clones, "prod", null, null)).kind(), "a generated name counts the same");
    }

    @Test
    void belowTheLimitCreateGoesAhead() throws Exception {
        open(new ClonePolicy(Duration.ZERO, Duration.ZERO, 2, Duration.ofSeconds(5)), false);
        f.existingClone(clone("a", older, 0));
        KopiException e = assertThrows(KopiException.class, () -> Calls.create(f.clones, "prod", "c1", null));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind(), "got as far as starting postgres: " + e.getMessage());
    }

    @Test
    void afterADestroyTheLimitHasRoomAgain() throws Exception {
        open(new ClonePolicy(Duration.ZERO, Duration.ZERO, 1, Duration.ofSeconds(5)), false);
        f.existingClone(clone("a", older, 0));
        assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED,
                assertThrows(KopiException.class, () -> Calls.create(f.clones, "prod", "c1", null)).kind());
        f.clones.destroy("a");
        assertEquals(KopiException.Kind.FAILED_PRECONDITION,
                assertThrows(KopiException.class, () -> Calls.create(f.clones, "prod", "c1", null)).kind());
    }

    @Test
    void maxZeroIsNoLimit() throws Exception {
        open(new ClonePolicy(Duration.ZERO, Duration.ZERO, 0, Duration.ofSeconds(5)), false);
        f.existingClone(clone("a", older, 0));
        f.existingClone(clone("b", older, 1));
        f.existingClone(clone("c", older, 2));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION,
                assertThrows(KopiException.class, () -> Calls.create(f.clones, "prod", "c1", null)).kind());
    }

    /**
     * Create writes a clone's record while its postgres starts, and the clone stays CREATING
     * until create returns: it must count once against clones.max, not twice.
     */
    @Test
    void aCloneBeingCreatedCountsOnceAgainstTheLimit() throws Exception {
        open(new ClonePolicy(Duration.ZERO, Duration.ZERO, 2, Duration.ofSeconds(5)), true);
        AtomicBoolean first = new AtomicBoolean(true);
        AtomicReference<KopiException> second = new AtomicReference<>();
        f.spawns.onSpawn(argv -> {
            if (first.getAndSet(false)) {
                awaitRecord("c1"); // c1 is recorded and still being created: one clone so far
                second.set(assertThrows(KopiException.class, () -> Calls.create(f.clones, "prod", "c2", null)));
            }
        });
        assertThrows(KopiException.class, () -> Calls.create(f.clones, "prod", "c1", null));
        assertEquals(KopiException.Kind.INTERNAL, second.get().kind(),
                "c2 gets as far as starting postgres, it is not over the limit: " + second.get().getMessage());
    }

    // ------------------------------------------------------------------ extend

    @Test
    void extendMovesTheExpiryOnFromTheCurrentExpiry() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        f.existingClone(clone("c1", older, 0).withExpiry(Instant.parse("2026-11-23T06:00:00Z")));

        CloneView v = Calls.extend(f.clones, "c1", "1h");
        assertEquals("2026-11-23T07:00:00Z", v.record().expiresAt().toString());
        assertEquals("2026-11-23T07:30:00Z", Calls.extend(f.clones, "c1", "30m").record().expiresAt().toString());

        Catalog reopened = new Catalog(new CatalogStore(tmp.resolve("catalog.json")));
        assertEquals("2026-11-23T07:30:00Z", reopened.clone("c1").orElseThrow().expiresAt().toString(), "persisted");
    }

    @Test
    void extendOfAnExpiredCloneCountsFromNow() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        f.existingClone(clone("c1", older, 0).withExpiry(Instant.parse("2026-11-23T03:00:00Z")));
        assertEquals("2026-11-23T04:30:00Z", Calls.extend(f.clones, "c1", "30m").record().expiresAt().toString());
    }

    @Test
    void extendKeepsEverythingElse() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        CloneRecord before = f.existingClone(clone("c1", older, 0).withExpiry(Instant.parse("2026-11-23T06:00:00Z"))
                .withIdleTimeout(Duration.ofMinutes(10)).withProtect(true));
        CloneRecord after = Calls.extend(f.clones, "c1", "1d").record();
        assertEquals(before.withExpiry(Instant.parse("2026-11-24T06:00:00Z")), after);
        assertEquals(after, f.catalog.clone("c1").orElseThrow());
    }

    @Test
    void extendOfACloneWithoutTtlIsFailedPreconditionAndChangesNothing() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        CloneRecord before = f.existingClone(clone("c1", older, 0));
        KopiException e = assertThrows(KopiException.class, () -> Calls.extend(f.clones, "c1", "1h"));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("no TTL"), e.getMessage());
        assertEquals(before, f.catalog.clone("c1").orElseThrow());
    }

    @Test
    void extendRefusesBadArguments() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        CloneRecord before = f.existingClone(clone("c1", older, 0).withExpiry(Instant.parse("2026-11-23T06:00:00Z")));

        KopiException zero = assertThrows(KopiException.class, () -> Calls.extend(f.clones, "c1", "0"));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, zero.kind());
        assertTrue(zero.getMessage().contains("positive"), zero.getMessage());
        KopiException bad = assertThrows(KopiException.class, () -> Calls.extend(f.clones, "c1", "a while"));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, bad.kind());
        assertTrue(bad.getMessage().startsWith("extension: "), bad.getMessage());
        assertEquals(KopiException.Kind.INVALID_ARGUMENT,
                assertThrows(KopiException.class, () -> Calls.extend(f.clones, "c1", "")).kind());
        assertEquals(KopiException.Kind.INVALID_ARGUMENT,
                assertThrows(KopiException.class, () -> Calls.extend(f.clones, "c1", "3651d")).kind());
        assertEquals(KopiException.Kind.NOT_FOUND,
                assertThrows(KopiException.class, () -> Calls.extend(f.clones, "ghost", "1h")).kind());
        assertEquals(KopiException.Kind.INVALID_ARGUMENT,
                assertThrows(KopiException.class, () -> Calls.extend(f.clones, "../c1", "1h")).kind());
        assertEquals(before, f.catalog.clone("c1").orElseThrow());
    }

    // ------------------------------------------------------------------ protect

    @Test
    void protectTurnsOnAndOffAndIsPersisted() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        CloneRecord before = f.existingClone(clone("c1", older, 0).withExpiry(Instant.parse("2026-11-23T06:00:00Z")));

        assertTrue(f.clones.protect("c1", true).record().protect());
        assertEquals(before.withProtect(true), new Catalog(new CatalogStore(tmp.resolve("catalog.json")))
                .clone("c1").orElseThrow());
        assertFalse(f.clones.protect("c1", false).record().protect());
        assertEquals(before, f.catalog.clone("c1").orElseThrow());
        assertEquals(KopiException.Kind.NOT_FOUND,
                assertThrows(KopiException.class, () -> f.clones.protect("ghost", true)).kind());
    }

    // ------------------------------------------------------------------ views

    @Test
    void viewShowsTheIdleTimeoutInForceAndTheSpaceUsed() throws Exception {
        open(EIGHT_HOURS, false);
        f.existingClone(clone("dflt", older, 0));
        f.existingClone(clone("own", older, 1).withIdleTimeout(Duration.ofMinutes(10)));
        f.existingClone(clone("never", older, 2).withIdleTimeout(Duration.ZERO));
        f.backend.setUsage(VolumeId.clone("own"), new SpaceUsage(5_000_000, 12_345));

        assertEquals(Duration.ofMinutes(45), f.clones.get("dflt").idleTimeout(), "no setting of its own: the policy's");
        assertEquals(Duration.ofMinutes(10), f.clones.get("own").idleTimeout());
        assertEquals(Duration.ZERO, f.clones.get("never").idleTimeout());
        assertEquals(12_345, f.clones.get("own").usedBytes(), "what it wrote beyond its snapshot");
        assertEquals(-1, f.clones.get("dflt").usedBytes(), "not measured");
        assertEquals(CloneFixture.NOW, f.clones.get("dflt").lastActive());
        assertEquals(List.of(-1L, -1L, 12_345L), Calls.list(f.clones, "").stream().map(CloneView::usedBytes).toList(),
                "dflt, never, own");
    }

    // ------------------------------------------------------------------ reset

    @Test
    void resetKeepsNamePortAndCredentialsAndRecordsTheReset() throws Exception {
        open(ClonePolicy.DEFAULTS, true);
        CloneRecord before = f.existingClone(clone("c1", older, 2).withExpiry(Instant.parse("2026-11-23T09:00:00Z"))
                .withIdleTimeout(Duration.ofMinutes(20)).withProtect(true));
        f.clock.advance(Duration.ofHours(1));
        AtomicReference<CloneRecord> atStart = new AtomicReference<>();
        AtomicReference<CloneView.State> stateAtStart = new AtomicReference<>();
        f.spawns.onSpawn(argv -> {
            atStart.set(f.catalog.clone("c1").orElseThrow());
            stateAtStart.set(f.clones.get("c1").state());
        });

        KopiException e = assertThrows(KopiException.class, () -> Calls.reset(f.clones, "c1", "", false));
        assertEquals(KopiException.Kind.INTERNAL, e.kind(), "the (refused) start is what failed: " + e.getMessage());

        CloneRecord after = f.catalog.clone("c1").orElseThrow();
        assertEquals(before.reset(older, Instant.parse("2026-11-23T05:00:00Z"), after.volumeName()), after);
        assertTrue(after.volumeName().startsWith("c1-r"), after.volumeName());
        assertEquals(atStart.get(), after, "recorded before the instance starts");
        assertEquals(CloneView.State.RESETTING, stateAtStart.get());
        assertEquals(1, after.resetCount());
        assertEquals("2026-11-23T05:00:00Z", after.resetAt().toString());
        List<String> argv = f.spawns.spawns().get(0);
        assertEquals(Integer.toString(before.port()), SpawnRecorder.setting(argv, "port"));
        assertEquals("kopi-c1", SpawnRecorder.setting(argv, "cluster_name"));
        assertEquals(List.of(VolumeId.clone("c1")), f.backend.destroyed(), "the old volume went");
        assertTrue(f.backend.contains(VolumeId.clone(after.volumeName())), "a fresh one took its place");
        assertFalse(f.clones.locks().isBusy("c1"));
        assertEquals(CloneFixture.PORTS - 1, f.ports.free(), "the port stays the clone's");
    }

    @Test
    void resetToAnotherSnapshotMovesTheRecordThere() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        CloneRecord before = f.existingClone(clone("c1", older, 0));
        assertThrows(KopiException.class, () -> Calls.reset(f.clones, "c1", newer.name(), false));
        CloneRecord after = f.catalog.clone("c1").orElseThrow();
        assertEquals(newer.ref(), after.snapshot());
        assertEquals(1, after.resetCount());
        assertEquals(before.port(), after.port());
        assertEquals(before.user(), after.user());
        assertEquals(before.password(), after.password());
    }

    @Test
    void resetToTheLatestPicksTheNewestSnapshotOfTheClonesSource() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        f.publish("other", "20261130T000000Z", "2026-11-30T00:00:00Z");
        f.existingClone(clone("c1", older, 0));
        assertThrows(KopiException.class, () -> Calls.reset(f.clones, "c1", null, true));
        assertEquals(newer.ref(), f.catalog.clone("c1").orElseThrow().snapshot());
    }

    @Test
    void anExplicitTargetWinsOverLatest() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        f.existingClone(clone("c1", newer, 0));
        assertThrows(KopiException.class, () -> Calls.reset(f.clones, "c1", older.name(), true));
        assertEquals(older.ref(), f.catalog.clone("c1").orElseThrow().snapshot());
    }

    @Test
    void resetToTheLatestOfABranchStaysOnTheBranch() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        SnapshotRecord b1 = f.publishBranch("feature", "20261123T050000Z", "2026-11-23T05:00:00Z", older, "x");
        SnapshotRecord b2 = f.publishBranch("feature", "20261123T060000Z", "2026-11-23T06:00:00Z", older, "x");
        f.existingClone(clone("c1", b1, 0));
        assertThrows(KopiException.class, () -> Calls.reset(f.clones, "c1", "", true));
        assertEquals(b2.ref(), f.catalog.clone("c1").orElseThrow().snapshot());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nosuch", "prod@20990101T000000Z", "nosuch@20261123T020000Z"})
    void resetToAnUnknownSnapshotIsNotFoundAndChangesNothing(String target) throws Exception {
        open(ClonePolicy.DEFAULTS, true);
        CloneRecord before = f.existingClone(clone("c1", older, 0));
        KopiException e = assertThrows(KopiException.class, () -> Calls.reset(f.clones, "c1", target, false));
        assertEquals(KopiException.Kind.NOT_FOUND, e.kind());
        assertEquals(before, f.catalog.clone("c1").orElseThrow());
        assertTrue(f.backend.destroyed().isEmpty());
        assertTrue(f.backend.contains(VolumeId.clone("c1")));
        assertTrue(f.spawns.spawns().isEmpty());
        assertFalse(f.clones.locks().isBusy("c1"));
        assertTrue(f.events.recent().isEmpty());
    }

    @Test
    void resetOfAnUnknownCloneIsNotFound() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        assertEquals(KopiException.Kind.NOT_FOUND,
                assertThrows(KopiException.class, () -> Calls.reset(f.clones, "ghost", "", false)).kind());
        assertEquals(KopiException.Kind.INVALID_ARGUMENT,
                assertThrows(KopiException.class, () -> Calls.reset(f.clones, "Ghost", "", false)).kind());
    }

    @Test
    void resetOntoASnapshotBeingDeletedIsRefused() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        CloneRecord before = f.existingClone(clone("c1", older, 0));
        f.clones.beginSnapshotDeletion(newer.ref());
        try {
            KopiException e = assertThrows(KopiException.class, () -> Calls.reset(f.clones, "c1", newer.name(), false));
            assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
            assertTrue(e.getMessage().contains("being deleted"), e.getMessage());
        } finally {
            f.clones.endSnapshotDeletion(newer.ref());
        }
        assertEquals(before, f.catalog.clone("c1").orElseThrow());
        assertTrue(f.backend.destroyed().isEmpty());
        assertFalse(f.clones.locks().isBusy("c1"));
    }

    @Test
    void resetWithAFullPoolIsResourceExhaustedAndKeepsTheClone() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        CloneRecord before = f.existingClone(clone("c1", older, 0));
        f.backend.setFree(CloneFixture.MIN_FREE - 1);
        KopiException e = assertThrows(KopiException.class, () -> Calls.reset(f.clones, "c1", newer.name(), false));
        assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED, e.kind());
        assertEquals(before, f.catalog.clone("c1").orElseThrow());
        assertTrue(f.backend.destroyed().isEmpty());
        assertFalse(f.clones.locks().isBusy("c1"));
    }

    @Test
    void aFailedVolumeCloneDuringResetBringsBackTheOldSnapshot() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        CloneRecord before = f.existingClone(clone("c1", older, 0));
        f.backend.failNextCloneWith(KopiException.exhausted("pool is full while trying to clone"));

        KopiException e = assertThrows(KopiException.class, () -> Calls.reset(f.clones, "c1", newer.name(), false));

        assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED, e.kind());
        assertEquals(before, f.catalog.clone("c1").orElseThrow(), "still a clone of its old snapshot");
        assertTrue(f.backend.contains(VolumeId.clone("c1")), "volume made again from the old snapshot");
        assertTrue(events(EventKind.CLONE_RESET).isEmpty());
        assertFalse(f.clones.locks().isBusy("c1"));
    }

    @Test
    void whileAResetRunsItsTargetCannotBeDeletedNorTheCloneTouched() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        f.existingClone(clone("c1", older, 0));
        Snapshots snapshots = new Snapshots(f.catalog, f.backend, f.clones, null, name -> false, f.events);
        List<KopiException> refused = new ArrayList<>();
        AtomicReference<CloneView.State> state = new AtomicReference<>();
        f.backend.beforeDestroy(v -> {
            if (v.equals(VolumeId.clone("c1"))) {
                state.set(f.clones.get("c1").state());
                for (Executable x : List.<Executable>of(
                        () -> f.clones.beginSnapshotDeletion(newer.ref()),
                        () -> Calls.delete(snapshots, newer.name(), true),
                        () -> f.clones.destroy("c1"),
                        () -> Calls.reset(f.clones, "c1", "", false),
                        () -> f.clones.destroy("c1", DestroyReason.TTL))) {
                    refused.add(assertThrows(KopiException.class, x));
                }
            }
        });

        assertThrows(KopiException.class, () -> Calls.reset(f.clones, "c1", newer.name(), false));

        assertEquals(CloneView.State.RESETTING, state.get());
        assertEquals(5, refused.size());
        for (KopiException e : refused) {
            assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind(), e.getMessage());
        }
        assertTrue(f.catalog.snapshot(newer.ref()).isPresent());
        assertTrue(f.backend.contains(VolumeId.snapshot("prod", newer.tag())));
        assertEquals(newer.ref(), f.catalog.clone("c1").orElseThrow().snapshot());
        f.backend.beforeDestroy(v -> { });
        assertEquals(List.of("c1"), f.clones.beginSnapshotDeletion(newer.ref()), "after the reset: a dependent");
        f.clones.endSnapshotDeletion(newer.ref());
    }

    @Test
    void resetIsRefusedWhileTheCloneIsBeingDestroyed() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        f.existingClone(clone("c1", older, 0));
        AtomicReference<KopiException> refused = new AtomicReference<>();
        f.backend.beforeDestroy(v -> refused.set(assertThrows(KopiException.class,
                () -> Calls.reset(f.clones, "c1", newer.name(), false))));
        f.clones.destroy("c1");
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, refused.get().kind());
        assertTrue(f.catalog.clone("c1").isEmpty());
        assertEquals(List.of(VolumeId.clone("c1")), f.backend.destroyed());
    }

    // ------------------------------------------------------------------ destroy events

    @Test
    void destroyPublishesAnEventWithTheReason() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        CloneRecord a = f.existingClone(clone("a", older, 0));
        f.existingClone(clone("b", newer, 1));
        f.existingClone(clone("c", newer, 2));

        f.clones.destroy("a");
        f.clones.destroy("b", DestroyReason.TTL);
        f.clones.destroy("c", DestroyReason.IDLE);

        List<Events.Event> destroyed = events(EventKind.CLONE_DESTROYED);
        assertEquals(List.of("a", "b", "c"), destroyed.stream().map(Events.Event::name).toList());
        assertEquals(List.of("user", "ttl", "idle"), destroyed.stream().map(Events.Event::reason).toList());
        assertEquals("was on port " + a.port() + ", from " + older.name(), destroyed.get(0).message());
        assertEquals(CloneFixture.NOW.toString(), destroyed.get(0).at().toString());
    }

    @Test
    void aFailedDestroyPublishesNothingAndKeepsTheRecord() throws Exception {
        open(ClonePolicy.DEFAULTS, false);
        f.existingClone(clone("a", older, 0));
        f.backend.failDestroyOf(VolumeId.clone("a"));
        assertEquals(KopiException.Kind.INTERNAL, assertThrows(KopiException.class, () -> f.clones.destroy("a")).kind());
        assertTrue(f.events.recent().isEmpty());
        assertTrue(f.catalog.clone("a").isPresent());
        assertFalse(f.clones.locks().isBusy("a"));
    }
}
