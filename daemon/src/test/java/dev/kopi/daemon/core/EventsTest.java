package dev.kopi.daemon.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.testing.MutableClock;

class EventsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T04:00:00Z"));
    private final Events events = new Events(clock);

    private static Reason reason(String word) {
        return () -> word;
    }

    private static List<Long> seqs(List<Events.Event> es) {
        return es.stream().map(Events.Event::seq).toList();
    }

    private void publish(int n) {
        for (int i = 0; i < n; i++) {
            events.publish(EventKind.CLONE_CREATED, "c" + i, Reason.NONE, "");
        }
    }

    @Test
    void publishNumbersEventsFromOneAndStampsThemWithTheClock() {
        events.publish(EventKind.CLONE_CREATED, "c1", null, null);
        clock.advance(Duration.ofSeconds(90));
        events.publish(EventKind.CLONE_DESTROYED, "c1", reason("ttl"), "was on port 6500");

        assertEquals(List.of(
                new Events.Event(1, Instant.parse("2026-11-23T04:00:00Z"), EventKind.CLONE_CREATED, "c1", "", ""),
                new Events.Event(2, Instant.parse("2026-11-23T04:01:30Z"), EventKind.CLONE_DESTROYED, "c1", "ttl", "was on port 6500")),
                events.recent());
    }

    @Test
    void anEventCarriesHowLongItsOperationTookWhenTimed() {
        events.publish(EventKind.REFRESH_OK, "prod", Reason.NONE, "prod@T in 90000 ms", Duration.ofSeconds(90));
        events.publish(EventKind.SNAPSHOT_DELETED, "prod@T", Reason.NONE, "", null);
        assertEquals(Duration.ofSeconds(90), events.recent().get(0).took());
        assertEquals(Duration.ZERO, events.recent().get(1).took(), "not timed");
    }

    @Test
    void watchReplaysTheLastEventsThenDeliversNewOnes() {
        publish(5);
        List<Events.Event> got = new ArrayList<>();
        events.watch(2, got::add);
        assertEquals(List.of(4L, 5L), seqs(got));

        events.publish(EventKind.SNAPSHOT_DELETED, "prod@t", reason("user"), "");
        assertEquals(List.of(4L, 5L, 6L), seqs(got));
        assertEquals("snapshot.deleted", got.get(2).kind().word());
    }

    @Test
    void replayOfZeroOrLessDeliversOnlyNewEvents() {
        publish(3);
        List<Events.Event> none = new ArrayList<>();
        List<Events.Event> negative = new ArrayList<>();
        events.watch(0, none::add);
        events.watch(-5, negative::add);
        publish(1);
        assertEquals(List.of(4L), seqs(none));
        assertEquals(List.of(4L), seqs(negative));
    }

    @Test
    void replayOfMoreThanTheHistoryReplaysAllOfIt() {
        publish(3);
        List<Events.Event> got = new ArrayList<>();
        events.watch(1_000_000, got::add);
        assertEquals(List.of(1L, 2L, 3L), seqs(got));
    }

    @Test
    void closingASubscriptionStopsDeliveryToItOnly() {
        List<Events.Event> first = new ArrayList<>();
        List<Events.Event> second = new ArrayList<>();
        Events.Subscription s1 = events.watch(0, first::add);
        events.watch(0, second::add);
        publish(1);
        s1.close();
        publish(2);
        assertEquals(List.of(1L), seqs(first));
        assertEquals(List.of(1L, 2L, 3L), seqs(second));
        s1.close(); // closing twice is harmless
        publish(1);
        assertEquals(List.of(1L), seqs(first));
        assertEquals(4, second.size());
    }

    @Test
    void historyIsBoundedToTheLatestThousand() {
        publish(1005);
        List<Events.Event> recent = events.recent();
        assertEquals(1000, recent.size());
        assertEquals(6L, recent.get(0).seq());
        assertEquals(1005L, recent.get(999).seq());

        List<Events.Event> got = new ArrayList<>();
        events.watch(5000, got::add);
        assertEquals(LongStream.rangeClosed(6, 1005).boxed().toList(), seqs(got));
    }

    @Test
    void aFailingWatcherDoesNotStopPublishingNorOtherWatchers() {
        List<Events.Event> good = new ArrayList<>();
        events.watch(0, e -> {
            throw new IllegalStateException("client went away");
        });
        events.watch(0, good::add);
        events.publish(EventKind.REFRESH_FAILED, "prod", Reason.NONE, "boom");
        events.publish(EventKind.REFRESH_OK, "prod", Reason.NONE, "");
        assertEquals(List.of(1L, 2L), seqs(good));
        assertEquals(2, events.recent().size());
    }

    @Test
    void recentIsACopy() {
        publish(1);
        List<Events.Event> r = events.recent();
        assertThrows(UnsupportedOperationException.class, () -> r.add(r.get(0)));
        publish(1);
        assertEquals(1, r.size());
    }

    @Test
    void aWatcherJoiningWhileOthersPublishMissesAndRepeatsNothing() throws Exception {
        int threads = 4;
        int each = 400;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                jobs.add(pool.submit(() -> {
                    go.await();
                    publish(each);
                    return null;
                }));
            }
            List<Events.Event> got = Collections.synchronizedList(new ArrayList<>());
            go.countDown();
            while (events.recent().size() < 200) {
                Thread.onSpinWait();
            }
            events.watch(50, got::add);
            for (Future<?> j : jobs) {
                j.get(30, TimeUnit.SECONDS);
            }
            List<Long> s = seqs(List.copyOf(got));
            assertTrue(s.size() >= 50, "replayed 50, then the rest: " + s.size());
            long first = s.get(0);
            assertEquals(LongStream.rangeClosed(first, (long) threads * each).boxed().toList(), s,
                    "consecutive from the first replayed event to the last published one");
        } finally {
            pool.shutdownNow();
        }
    }
}
