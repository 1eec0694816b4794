package dev.kopi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kopi.proto.v1.Event;
import dev.kopi.proto.v1.WatchEventsRequest;
import io.grpc.Status;

/** kopictl events: a line per event until kopid ends the stream. */
class EventsTest extends FakeKopidTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Event event(long seq, String at, String kind, String name, String reason, String message) {
        return Event.newBuilder().setSeq(seq).setAt(at).setKind(kind).setName(name).setReason(reason)
                .setMessage(message).build();
    }

    private static final Event CREATED = event(7, "2026-11-23T02:05:00.123Z", "clone.created", "ci-42", "",
            "from prod@20261123T0200Z");
    private static final Event DESTROYED = event(8, "2026-11-23T04:05:00Z", "clone.destroyed", "ci-42", "ttl",
            "expired after 2h");
    private static final Event SNAPSHOT = event(9, "2026-11-23T04:06:00Z", "snapshot.created", "fix@20261123T0406Z",
            "", "");

    @Test
    void printsEachEventThenEndsWithTheStream() {
        kopid.events(CREATED, DESTROYED, SNAPSHOT);

        CliRun r = kopictl("events");

        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err());
        assertEquals(List.of(
                "2026-11-23 02:05:00Z  clone.created     ci-42  -  from prod@20261123T0200Z",
                "2026-11-23 04:05:00Z  clone.destroyed   ci-42  ttl  expired after 2h",
                "2026-11-23 04:06:00Z  snapshot.created  fix@20261123T0406Z  -"), r.outLines());
        assertEquals(List.of(WatchEventsRequest.newBuilder().setHistory(0).build()), kopid.requests());
    }

    @Test
    void historyIsSent() {
        kopid.events();

        CliRun r = kopictl("events", "--history", "50");

        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.out(), "an empty stream prints nothing");
        assertEquals(50, kopid.requests(WatchEventsRequest.class).get(0).getHistory());
    }

    @Test
    void negativeHistoryIsAUsageError() {
        CliRun r = kopictl("events", "--history", "-1");

        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("--history"), r::toString);
        assertEquals(List.of(), kopid.requests());
    }

    @Test
    void jsonIsOneObjectPerLine() throws Exception {
        kopid.events(CREATED, DESTROYED);

        CliRun r = kopictl("events", "-o", "json");

        assertEquals(0, r.code(), r::toString);
        List<String> lines = r.outLines();
        assertEquals(2, lines.size(), "NDJSON, not pretty-printed: " + r);
        JsonNode first = JSON.readTree(lines.get(0));
        assertEquals(7, first.path("seq").longValue());
        assertTrue(first.path("seq").isIntegralNumber());
        assertEquals("2026-11-23T02:05:00.123Z", first.path("at").textValue());
        assertEquals("clone.created", first.path("kind").textValue());
        assertEquals("ci-42", first.path("name").textValue());
        assertTrue(first.path("reason").isNull(), first::toString);
        assertEquals("from prod@20261123T0200Z", first.path("message").textValue());
        JsonNode second = JSON.readTree(lines.get(1));
        assertEquals("ttl", second.path("reason").textValue());
    }

    @Test
    void streamFailingIsExitOneAfterTheEventsSoFar() {
        kopid.events(CREATED, Status.UNAVAILABLE.withDescription("kopid is shutting down"));

        CliRun r = kopictl("events");

        assertEquals(1, r.code(), r::toString);
        assertEquals(1, r.outLines().size(), r::toString);
        assertTrue(r.out().contains("clone.created"), r::toString);
        assertEquals("kopictl: kopid is shutting down" + System.lineSeparator(), r.err());
    }

    @Test
    void eventsArePrintedAsTheyArriveNotWhenTheStreamEnds() throws Exception {
        CountDownLatch seen = new CountDownLatch(1);
        kopid.events(CREATED, seen, DESTROYED);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> KopiCtl.run(new String[] {"events"},
                new PrintWriter(out), new PrintWriter(err), Map.of("KOPI_SOCKET", kopid.socket.toString())));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!out.toString().contains("clone.created") && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        boolean printedMidStream = out.toString().contains("clone.created");
        assertFalse(out.toString().contains("clone.destroyed"), out::toString);
        seen.countDown();

        assertEquals(0, run.get(10, TimeUnit.SECONDS), err::toString);
        assertTrue(printedMidStream, "the first event must be printed before the stream goes on");
        assertTrue(out.toString().contains("clone.destroyed"), out::toString);
    }

    @Test
    void eventFieldsCannotDriveTheTerminal() {
        kopid.events(event(1, "2026-11-23T02:05:00Z", "refresh.failed", "prod", "", "boom\u001b[2J\nsecond line"));

        CliRun r = kopictl("events");

        assertEquals(0, r.code(), r::toString);
        assertEquals(1, r.outLines().size(), r::toString);
        assertFalse(r.out().contains("\u001b"), r::toString);
    }
}
