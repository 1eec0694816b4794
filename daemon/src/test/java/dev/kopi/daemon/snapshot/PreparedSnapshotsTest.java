package dev.kopi.daemon.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.PreparedKey;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.clone.CloneRequest;
import dev.kopi.daemon.clone.CloneView;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.daemon.testing.CloneFixture;
import dev.kopi.daemon.testing.SourcesFixture;

/**
 * Prepared snapshots without Postgres: who builds, who waits, who takes over, what is found and
 * in which scope, and what retention does with them. Publishing a build (finish) takes a real
 * snapshot of a clone and is covered by the integration tests.
 */
class PreparedSnapshotsTest {
    private static final Duration NO_WAIT = Duration.ZERO;
    @TempDir
    Path tmp;
    private SourcesFixture x;
    private CloneFixture f;
    private PreparedSnapshots prepared;
    private SnapshotRecord base;
    private final AtomicInteger builders = new AtomicInteger();

    @BeforeEach
    void setUp() throws Exception {
        x = new SourcesFixture(tmp, Map.of(), false, CloneFixture.Kind.FAKE);
        f = x.f;
        prepared = new PreparedSnapshots(f.catalog, x.snapshots, f.clones);
        base = f.publish("prod", "20261123T030000Z", "2026-11-23T03:00:00Z");
    }

    @AfterEach
    void tearDown() {
        x.close();
    }

    private Function<SnapshotRef, CloneView> builder() {
        return exact -> {
            builders.incrementAndGet();
            return f.clones.create(CloneRequest.of(exact));
        };
    }

    private PreparedSnapshots.Outcome prepare(String key, String scope, Duration wait) {
        return prepared.prepare(SnapshotRef.parse("prod"), new PreparedKey(key, scope), wait, builder());
    }

    /** A prepared snapshot as finish would have published it. */
    private SnapshotRecord published(String key, String scope, SnapshotRecord from, String tag) {
        SnapshotRecord r = CloneFixture.snapshot("prod." + key, tag, "2026-11-23T05:00:00Z")
                .branchedFrom(from.ref(), "builder", "prepared").toBuilder().prepared(new PreparedKey(key, scope))
                .build();
        f.backend.add(VolumeId.snapshot(r.source(), tag));
        f.catalog.putSnapshot(r);
        return r;
    }

    @Test
    void theFirstCallerBuildsOnACloneOfTheExactBase() {
        PreparedSnapshots.Outcome o = prepare("abc123", PreparedKey.ADMINS, NO_WAIT);

        assertNull(o.ready());
        assertNotNull(o.build());
        assertEquals(base.ref(), o.build().record().snapshot(), "built from what prod resolves to, exactly");
        assertEquals(1, builders.get());
    }

    @Test
    void aSecondCallerDoesNotBuildButWaitsAndIsToldWhoBuilds() {
        String builder = prepare("abc123", PreparedKey.ADMINS, NO_WAIT).build().record().name();

        long t = System.nanoTime();
        PreparedSnapshots.Outcome o = prepare("abc123", PreparedKey.ADMINS, Duration.ofMillis(300));

        assertTrue(System.nanoTime() - t >= 250_000_000L, "it waited");
        assertEquals(builder, o.waitingFor());
        assertNull(o.build());
        assertEquals(1, builders.get(), "one build for one key");
    }

    @Test
    void aWaiterGetsTheSnapshotAsSoonAsTheBuildIsPublished() throws Exception {
        prepare("abc123", PreparedKey.ADMINS, NO_WAIT);
        CompletableFuture<PreparedSnapshots.Outcome> waiter = CompletableFuture.supplyAsync(
                () -> prepare("abc123", PreparedKey.ADMINS, Duration.ofSeconds(30)));
        Thread.sleep(200);
        assertFalse(waiter.isDone());

        SnapshotRecord made = published("abc123", PreparedKey.ADMINS, base, "20261123T050000Z");
        synchronized (prepared) {
            prepared.notifyAll(); // what finish does once it has published
        }

        PreparedSnapshots.Outcome o = waiter.get(5, TimeUnit.SECONDS);
        assertEquals(made, o.ready().record());
        assertEquals(1, builders.get());
    }

    @Test
    void anAbandonedBuildIsTakenOverAndItsCloneIsGone() throws Exception {
        String first = prepare("abc123", PreparedKey.ADMINS, NO_WAIT).build().record().name();
        CompletableFuture<PreparedSnapshots.Outcome> waiter = CompletableFuture.supplyAsync(
                () -> prepare("abc123", PreparedKey.ADMINS, Duration.ofSeconds(30)));
        Thread.sleep(200);

        prepared.abandon(first);

        PreparedSnapshots.Outcome o = waiter.get(5, TimeUnit.SECONDS);
        assertNotNull(o.build(), "the waiter builds now");
        assertTrue(f.catalog.clone(first).isEmpty(), "the abandoned builder clone is destroyed");
        assertEquals(2, builders.get());
    }

    @Test
    void aBuildWhoseCloneWentAwayIsTakenOver() {
        String first = prepare("abc123", PreparedKey.ADMINS, NO_WAIT).build().record().name();
        f.clones.destroy(first); // its TTL ran out, say

        assertNotNull(prepare("abc123", PreparedKey.ADMINS, Duration.ofSeconds(5)).build());
        assertEquals(2, builders.get());
    }

    @Test
    void finishOrAbandonOfACloneThatIsNotBuildingIsRefused() {
        CloneView plain = f.clones.create(CloneRequest.of(base.ref()));

        for (Runnable r : List.<Runnable>of(() -> prepared.finish(plain.record().name()),
                () -> prepared.abandon(plain.record().name()))) {
            KopiException e = assertThrows(KopiException.class, r::run);
            assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
            assertTrue(e.getMessage().contains("not building a prepared snapshot"), e.getMessage());
        }
        assertTrue(f.catalog.clone(plain.record().name()).isPresent(), "an ordinary clone is left alone");
    }

    @Test
    void aPublishedSnapshotOfTheCurrentBaseIsReturnedAtOnce() {
        SnapshotRecord made = published("abc123", PreparedKey.ADMINS, base, "20261123T050000Z");

        assertEquals(made, prepare("abc123", PreparedKey.ADMINS, NO_WAIT).ready().record());
        assertEquals(0, builders.get());
    }

    @Test
    void aNewBaseSnapshotMakesANewBuild() {
        published("abc123", PreparedKey.ADMINS, base, "20261123T050000Z");
        SnapshotRecord newer = f.publish("prod", "20261124T030000Z", "2026-11-24T03:00:00Z");

        PreparedSnapshots.Outcome o = prepare("abc123", PreparedKey.ADMINS, NO_WAIT);

        assertEquals(newer.ref(), o.build().record().snapshot());
    }

    @Test
    void aUsersBuildIsNeverHandedToAnotherUserNorToAdmins() {
        published("abc123", "alice", base, "20261123T050000Z");

        assertNotNull(prepare("abc123", "bob", NO_WAIT).build(), "bob builds his own");
        assertNotNull(prepare("abc123", PreparedKey.ADMINS, NO_WAIT).build(), "admins build their own");
        assertNotNull(prepare("abc123", "alice", NO_WAIT).ready(), "alice gets hers");
    }

    @Test
    void badKeysAndPreparedBasesAreRefused() {
        for (String key : List.of("", "abc", "ABC123", "abc-123", "../x/abc", "a".repeat(41))) {
            KopiException e = assertThrows(KopiException.class, () -> prepare(key, PreparedKey.ADMINS, NO_WAIT));
            assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind(), key);
        }
        SnapshotRecord made = published("abc123", PreparedKey.ADMINS, base, "20261123T050000Z");
        KopiException e = assertThrows(KopiException.class, () -> prepared.prepare(made.ref(),
                new PreparedKey("def456", PreparedKey.ADMINS), NO_WAIT, builder()));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        KopiException unknown = assertThrows(KopiException.class, () -> prepared.prepare(SnapshotRef.parse("nope"),
                new PreparedKey("def456", PreparedKey.ADMINS), NO_WAIT, builder()));
        assertEquals(KopiException.Kind.NOT_FOUND, unknown.kind());
        assertEquals(0, builders.get(), "nothing was built for a refused request");
    }

    @Test
    void aLineNameTooLongIsRefused() {
        KopiException e = assertThrows(KopiException.class,
                () -> new PreparedKey("a".repeat(40), PreparedKey.ADMINS).lineOf("p".repeat(30)));
        assertTrue(e.getMessage().contains("too long"), e.getMessage());
    }

    @Test
    void aBranchMayNotTakeTheNameOfAPreparedLine() {
        published("abc123", PreparedKey.ADMINS, base, "20261123T050000Z");
        CloneView c = f.clones.create(CloneRequest.of(base.ref()));

        KopiException e = assertThrows(KopiException.class, () -> x.snapshots.branch(c.record().name(),
                "prod.abc123", null));
        assertEquals(KopiException.Kind.ALREADY_EXISTS, e.kind());
    }

    @Test
    void retentionDeletesPreparedSnapshotsWithTheirBaseUnlessTheyHaveClones() {
        SnapshotRecord used = published("abc123", PreparedKey.ADMINS, base, "20261123T050000Z");
        SnapshotRecord unused = published("def456", PreparedKey.ADMINS, base, "20261123T050000Z");
        f.publish("prod", "20261124T030000Z", "2026-11-24T03:00:00Z");
        f.existingClone("c1", used, f.firstPort);
        Source keepOne = new Source("prod", Source.Kind.DATADIR, Path.of("/srv/prod"), null, List.of(), null,
                new SourceSettings(null, 1, List.of(), null, null, null, null, null), Source.Origin.CONFIG);

        x.retention.apply(keepOne);

        assertTrue(f.catalog.snapshot(unused.ref()).isEmpty(), "unused prepared snapshot went with its base");
        assertTrue(f.catalog.snapshot(used.ref()).isPresent(), "one with a clone stays");
        assertTrue(f.catalog.snapshot(base.ref()).isPresent(), "and so does its base, until that clone goes");
    }

    @Test
    void aBaseKeepsItsNewestKeysAndThoseStillCloned() {
        int n = PreparedSnapshots.MAX_KEYS_PER_BASE + 3;
        List<SnapshotRecord> made = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SnapshotRecord r = CloneFixture.snapshot("prod.key" + (100 + i), "20261123T05" + (10 + i) + "00Z",
                    "2026-11-23T05:" + (10 + i) + ":00Z").branchedFrom(base.ref(), "builder", "prepared").toBuilder()
                    .prepared(new PreparedKey("key" + (100 + i), PreparedKey.ADMINS)).build();
            f.backend.add(VolumeId.snapshot(r.source(), r.tag()));
            f.catalog.putSnapshot(r);
            made.add(r);
        }
        f.existingClone("c1", made.get(0), f.firstPort); // the oldest is still in use

        prepared.capKeys(base.ref(), made.get(n - 1).ref());

        assertTrue(f.catalog.snapshot(made.get(0).ref()).isPresent(), "one still cloned stays");
        assertTrue(f.catalog.snapshot(made.get(1).ref()).isEmpty(), "the oldest unused go");
        assertTrue(f.catalog.snapshot(made.get(2).ref()).isEmpty());
        for (int i = 3; i < n; i++) {
            assertTrue(f.catalog.snapshot(made.get(i).ref()).isPresent(), "the newest " + (n - 3) + " stay: " + i);
        }
        assertTrue(f.catalog.snapshot(base.ref()).isPresent(), "the base is not touched");
    }

    @Test
    void waitersBeyondTheLimitAreAnsweredAtOnce() throws Exception {
        prepare("abc123", PreparedKey.ADMINS, NO_WAIT);
        List<CompletableFuture<PreparedSnapshots.Outcome>> waiting = new ArrayList<>();
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(
                PreparedSnapshots.MAX_WAITERS);
        try {
            for (int i = 0; i < PreparedSnapshots.MAX_WAITERS; i++) {
                waiting.add(CompletableFuture.supplyAsync(() -> prepare("abc123", PreparedKey.ADMINS,
                        Duration.ofSeconds(3)), threads));
            }
            Thread.sleep(300);

            long t = System.nanoTime();
            PreparedSnapshots.Outcome o = prepare("abc123", PreparedKey.ADMINS, Duration.ofSeconds(3));
            assertTrue(System.nanoTime() - t < 1_000_000_000L, "answered without waiting");
            assertNotNull(o.waitingFor());
            for (CompletableFuture<PreparedSnapshots.Outcome> w : waiting) {
                assertNotNull(w.get(10, TimeUnit.SECONDS).waitingFor());
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
