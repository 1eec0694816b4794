package dev.kopi.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.kopi.proto.v1.AbandonPreparedSnapshotRequest;
import dev.kopi.proto.v1.AbandonPreparedSnapshotResponse;
import dev.kopi.proto.v1.FinishPreparedSnapshotRequest;
import dev.kopi.proto.v1.PrepareSnapshotRequest;
import dev.kopi.proto.v1.PrepareSnapshotResponse;
import dev.kopi.proto.v1.Snapshot;
import dev.kopi.proto.v1.SnapshotServiceGrpc;

/** The client's side of preparing a snapshot, against a scripted kopid: who builds, polls, finishes, abandons. */
class PreparedSnapshotTest {
    private static final Snapshot MADE = Snapshot.newBuilder().setName("prod.abc123@20261201T050000Z")
            .setSource("prod.abc123").setTag("20261201T050000Z").setCreatedAt("2026-12-01T05:00:00Z")
            .setPreparedKey("abc123").build();
    private static final dev.kopi.proto.v1.Clone BUILDER = dev.kopi.proto.v1.Clone.newBuilder().setName("prod-7")
            .setHost("127.0.0.1").setPort(6500).setUser("u").setPassword("p").setDatabase("app").build();

    /** What kopid answers to PrepareSnapshot, in order; and what the client sent. */
    private final Deque<PrepareSnapshotResponse> answers = new ArrayDeque<>();
    private final List<String> calls = new ArrayList<>();
    private final List<PrepareSnapshotRequest> prepares = new ArrayList<>();
    private Server server;
    private ManagedChannel channel;
    private KopiClient client;

    @BeforeEach
    void setUp() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(new Scripted()).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        client = KopiClient.forChannel(channel);
    }

    @AfterEach
    void tearDown() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private final class Scripted extends SnapshotServiceGrpc.SnapshotServiceImplBase {
        @Override
        public void prepareSnapshot(PrepareSnapshotRequest r, StreamObserver<PrepareSnapshotResponse> o) {
            calls.add("prepare");
            prepares.add(r);
            o.onNext(answers.isEmpty() ? PrepareSnapshotResponse.newBuilder().setWaitingFor("prod-7").build()
                    : answers.poll());
            o.onCompleted();
        }

        @Override
        public void finishPreparedSnapshot(FinishPreparedSnapshotRequest r, StreamObserver<Snapshot> o) {
            calls.add("finish " + r.getClone());
            o.onNext(MADE);
            o.onCompleted();
        }

        @Override
        public void abandonPreparedSnapshot(AbandonPreparedSnapshotRequest r,
                                            StreamObserver<AbandonPreparedSnapshotResponse> o) {
            calls.add("abandon " + r.getClone());
            o.onNext(AbandonPreparedSnapshotResponse.getDefaultInstance());
            o.onCompleted();
        }
    }

    private static PrepareSnapshotResponse ready() {
        return PrepareSnapshotResponse.newBuilder().setSnapshot(MADE).build();
    }

    private static PrepareSnapshotResponse build() {
        return PrepareSnapshotResponse.newBuilder().setBuild(BUILDER).build();
    }

    private static PrepareSnapshotResponse waiting() {
        return PrepareSnapshotResponse.newBuilder().setWaitingFor("prod-7").build();
    }

    @Test
    void aSnapshotMadeBeforeIsReturnedWithoutRunningTheSetup() {
        answers.add(ready());

        SnapshotInfo s = client.prepared("prod").key("abc123").build(clone -> {
            throw new AssertionError("not to be built");
        });

        assertEquals(MADE.getName(), s.name());
        assertEquals(List.of("prepare"), calls);
        assertEquals("prod", prepares.get(0).getBase());
        assertEquals("abc123", prepares.get(0).getKey());
        assertEquals("1800s", prepares.get(0).getTtl(), "the builder clone's backstop");
    }

    @Test
    void theBuilderRunsTheSetupOnItsCloneThenFinishes() {
        answers.add(build());
        List<String> setupSaw = new ArrayList<>();

        SnapshotInfo s = client.prepared("prod").key("abc123").build(clone -> setupSaw.add(clone.name()));

        assertEquals(List.of("prod-7"), setupSaw);
        assertEquals(List.of("prepare", "finish prod-7"), calls);
        assertEquals(MADE.getName(), s.name());
    }

    @Test
    void aWaiterAsksAgainUntilTheSnapshotIsThere() {
        answers.add(waiting());
        answers.add(waiting());
        answers.add(ready());

        SnapshotInfo s = client.prepared("prod").key("abc123").timeout(Duration.ofSeconds(30)).build(clone -> {
            throw new AssertionError("another caller builds it");
        });

        assertEquals(MADE.getName(), s.name());
        assertEquals(List.of("prepare", "prepare", "prepare"), calls);
        assertTrue(prepares.get(0).getWaitSeconds() > 0 && prepares.get(0).getWaitSeconds() <= 30,
                "kopid waits, within the timeout: " + prepares.get(0).getWaitSeconds());
    }

    @Test
    void aWaiterGivesUpAfterItsTimeoutNamingTheBuilder() {
        KopiClientException e = assertThrows(KopiClientException.class, () -> client.prepared("prod").key("abc123")
                .timeout(Duration.ofMillis(1500)).build(clone -> { }));

        assertEquals(KopiClientException.Kind.DEADLINE_EXCEEDED, e.kind());
        assertTrue(e.getMessage().contains("prod-7"), e.getMessage());
    }

    @Test
    void aFailingSetupAbandonsTheBuildAndCarriesItsCause() {
        answers.add(build());
        IllegalStateException cause = new IllegalStateException("V2__orders.sql failed");

        KopiClientException e = assertThrows(KopiClientException.class, () -> client.prepared("prod").key("abc123")
                .build(clone -> {
                    throw cause;
                }));

        assertSame(cause, e.getCause());
        assertTrue(e.getMessage().contains("V2__orders.sql failed") && e.getMessage().contains("prod-7"),
                e.getMessage());
        assertEquals(List.of("prepare", "abandon prod-7"), calls, "abandoned, never finished");
    }

    @Test
    void aKeyIsRequired() {
        assertThrows(IllegalStateException.class, () -> client.prepared("prod").build(clone -> { }));
        assertEquals(List.of(), calls);
    }

    @Test
    void keyOfIsStableAndTellsPartBoundariesApart() {
        String k = PreparedSnapshot.keyOf(List.of(bytes("V1__init.sql"), bytes("create table t (id int);")));

        assertEquals(k, PreparedSnapshot.keyOf(List.of(bytes("V1__init.sql"), bytes("create table t (id int);"))));
        assertEquals(32, k.length());
        assertTrue(k.matches("[a-f0-9]{32}"), k);
        assertNotEquals(PreparedSnapshot.keyOf(List.of(bytes("ab"), bytes("c"))),
                PreparedSnapshot.keyOf(List.of(bytes("a"), bytes("bc"))));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
