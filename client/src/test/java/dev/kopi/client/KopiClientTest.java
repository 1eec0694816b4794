package dev.kopi.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.kopi.proto.v1.CreateCloneRequest;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a fake kopid in-process: requests sent, answers mapped, clones cleaned up. */
class KopiClientTest {
    private FakeKopid kopid;
    private KopiClient client;

    @BeforeEach
    void start() throws Exception {
        kopid = FakeKopid.inProcess();
        client = KopiClient.forChannel(kopid.channel());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        kopid.close();
    }

    @Test
    void cloneWithDefaultsSendsOnlyTheSnapshot() {
        try (Clone c = client.clone("prod")) {
            assertEquals(CreateCloneRequest.newBuilder().setSnapshot("prod").build(), kopid.creates.get(0));
            assertEquals("prod-1", c.name());
            assertEquals("prod@" + FakeKopid.TAG, c.snapshot());
            assertEquals("fakehost", c.host());
            assertEquals(6000, c.port());
            assertEquals("kopi_user6000", c.user());
            assertEquals("pw6000secret", c.password());
            assertEquals("app", c.database());
            assertEquals("postgresql://kopi_user6000:pw6000secret@fakehost:6000/app", c.uri());
            assertEquals("jdbc:postgresql://fakehost:6000/app?user=kopi_user6000&password=pw6000secret", c.jdbcUrl());
        }
        assertEquals(List.of("create prod-1", "destroy prod-1"), kopid.log);
    }

    @Test
    void builderSendsEveryOption() {
        try (Clone c = client.newClone("prod@" + FakeKopid.TAG).name("mine").database("other")
                .ttl(Duration.ofMinutes(30)).idleTimeout(Duration.ofSeconds(90)).protect(true).create()) {
            assertEquals(CreateCloneRequest.newBuilder().setSnapshot("prod@" + FakeKopid.TAG).setName("mine")
                    .setDatabase("other").setTtl("30m").setIdleTimeout("1m30s").setProtect(true).build(),
                    kopid.creates.get(0));
            assertEquals("mine", c.name());
            assertEquals("other", c.database());
        }
    }

    @Test
    void ttlInKopidNotationPassesThrough() {
        client.newClone("prod").name("a").ttl("2h").create();
        client.newClone("prod").name("b").ttl(Duration.ZERO).create();
        assertEquals("2h", kopid.creates.get(0).getTtl());
        assertEquals("0", kopid.creates.get(1).getTtl());
        assertThrows(IllegalArgumentException.class, () -> client.newClone("prod").ttl(Duration.ofSeconds(-1)));
    }

    @Test
    void lookupGivesAHandleOnTheSameClone() {
        Clone made = client.newClone("demo").name("shared").create();
        Clone found = client.getClone("shared");
        assertEquals(made.jdbcUrl(), found.jdbcUrl());
        found.close();
        assertEquals(Set.of(), kopid.live());
        made.close(); // already gone: no error, and no second destroy
        assertEquals(List.of("shared"), kopid.destroyed());
    }

    @Test
    void lookupOfAnUnknownCloneIsNotFound() {
        KopiClientException e = assertThrows(KopiClientException.class, () -> client.getClone("nope"));
        assertEquals(KopiClientException.Kind.NOT_FOUND, e.kind());
        assertEquals("clone 'nope' not found", e.getMessage());
    }

    @Test
    void resetKeepsNameAndCredentials() {
        try (Clone c = client.newClone("demo").name("r").create()) {
            String url = c.jdbcUrl();
            assertSame(c, c.reset());
            assertEquals(url, c.jdbcUrl());
            assertEquals("r", c.name());
            assertEquals(List.of("create r", "reset r"), kopid.log);
            assertEquals(1, client.clones().get(0).resetCount());
        }
    }

    @Test
    void resetAfterCloseIsRefused() {
        Clone c = client.clone("demo");
        c.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, c::reset);
        assertTrue(e.getMessage().contains(c.name()), e.getMessage());
    }

    @Test
    void closeIsIdempotent() {
        Clone c = client.clone("demo");
        assertFalse(c.isClosed());
        c.close();
        c.close();
        assertTrue(c.isClosed());
        assertEquals(List.of(c.name()), kopid.destroyed());
    }

    @Test
    void closeToleratesACloneTheReaperTook() {
        Clone c = client.clone("demo");
        kopid.reap(c.name());
        c.close();
        assertTrue(c.isClosed());
        assertEquals(List.of(), kopid.destroyed());
    }

    @Test
    void aFailedCloseCanBeRetried() {
        Clone c = client.clone("demo");
        kopid.failNext("DestroyClone", Status.UNAVAILABLE.withDescription("pool is busy"));
        KopiClientException e = assertThrows(KopiClientException.class, c::close);
        assertEquals(KopiClientException.Kind.UNAVAILABLE, e.kind());
        assertFalse(c.isClosed());
        c.close();
        assertEquals(List.of(c.name()), kopid.destroyed());
    }

    @Test
    void toStringNeverShowsThePassword() {
        try (Clone c = client.clone("demo")) {
            String s = c.toString();
            assertFalse(s.contains(c.password()), s);
            assertTrue(s.contains(c.name()) && s.contains(c.user()) && s.contains("fakehost:6000/app"), s);
            assertFalse(c.dataSource().toString().contains(c.password()), c.dataSource().toString());
        }
    }

    @Test
    void listsClonesWithoutCredentials() {
        client.newClone("demo").name("a").ttl("30m").create();
        client.newClone("prod").name("b").ttl("0").protect(true).create();
        List<CloneInfo> all = client.clones();
        assertEquals(List.of("a", "b"), all.stream().map(CloneInfo::name).toList());
        CloneInfo a = all.get(0);
        assertEquals(CloneInfo.State.RUNNING, a.state());
        assertEquals("demo@" + FakeKopid.TAG, a.snapshot());
        assertEquals(Instant.parse("2026-11-23T14:00:00Z"), a.createdAt());
        assertEquals(Instant.parse("2026-11-23T14:30:00Z"), a.expiresAt());
        assertFalse(a.isProtected());
        assertNull(all.get(1).expiresAt());
        assertTrue(all.get(1).isProtected());
        assertEquals(List.of("b"), client.clones("prod").stream().map(CloneInfo::name).toList());
    }

    @Test
    void listsSnapshots() {
        client.clone("prod");
        List<SnapshotInfo> all = client.snapshots();
        assertEquals(List.of("demo@" + FakeKopid.TAG, "prod@" + FakeKopid.TAG, "prod-nightly@" + FakeKopid.TAG),
                all.stream().map(SnapshotInfo::name).toList());
        SnapshotInfo prod = client.snapshots("prod").get(0);
        assertEquals(new SnapshotInfo("prod@" + FakeKopid.TAG, "prod", FakeKopid.TAG,
                Instant.parse("2026-11-23T02:00:00Z"), "17.2", "app", 1, true, 1 << 20), prod);
    }

    @Test
    void status() {
        DaemonStatus s = client.status();
        assertEquals("0.1.0-test", s.version());
        assertEquals("btrfs", s.backend());
        assertEquals(Duration.ofMinutes(1), s.uptime());
    }

    @Test
    void aClosedClientRefusesCalls() {
        client.close();
        client.close();
        assertThrows(IllegalStateException.class, () -> client.clone("demo"));
    }

    @Test
    void isSafeToShareBetweenThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            Set<String> names = ConcurrentHashMap.newKeySet();
            List<Future<?>> done = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                done.add(pool.submit(() -> {
                    try (Clone c = client.clone("demo")) {
                        names.add(c.name());
                        c.reset();
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertEquals(40, names.size());
            assertEquals(Set.of(), kopid.live());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void defaultSocketComesFromTheEnvironment() {
        assertEquals(Path.of("/run/kopi/kopi.sock"), KopiChannel.defaultSocket(null));
        assertEquals(Path.of("/run/kopi/kopi.sock"), KopiChannel.defaultSocket(" "));
        assertEquals(Path.of("/x/y.sock"), KopiChannel.defaultSocket("/x/y.sock"));
    }

    @Test
    void aMissingSocketIsAClearUnavailableError(@TempDir Path dir) {
        Path socket = dir.resolve("kopi.sock");
        KopiClientException e = assertThrows(KopiClientException.class, () -> KopiClient.connect(socket));
        assertEquals(KopiClientException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains(socket.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("$KOPI_SOCKET"), e.getMessage());
    }

    @Test
    void aSocketNobodyListensOnIsUnavailableNamingIt(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("kopi.sock");
        java.nio.file.Files.createFile(socket);
        try (KopiClient c = KopiClient.connect(socket)) {
            KopiClientException e = assertThrows(KopiClientException.class, c::status);
            assertEquals(KopiClientException.Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().startsWith("cannot reach kopid at " + socket), e.getMessage());
        }
    }

    @Test
    void worksOverARealUnixSocket(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("kopi.sock");
        try (FakeKopid onSocket = FakeKopid.onSocket(socket, "fakehost");
             KopiClient c = KopiClient.connect(socket)) {
            assertEquals(socket.toString(), c.target());
            try (Clone clone = c.newClone("demo").ttl(Duration.ofSeconds(30)).create()) {
                assertEquals(Set.of(clone.name()), onSocket.live());
                assertEquals("30s", onSocket.creates.get(0).getTtl());
            }
            assertEquals(Set.of(), onSocket.live());
        }
    }

    @Test
    void distinctClonesGetDistinctPorts() {
        try (Clone a = client.clone("demo"); Clone b = client.clone("demo")) {
            assertNotEquals(a.port(), b.port());
            assertNotEquals(a.name(), b.name());
        }
    }

    @Test
    void closeAsyncDestroysInTheBackgroundAndCloseWaitsForIt() throws Exception {
        List<Clone> clones = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            clones.add(client.clone("prod"));
        }
        List<java.util.concurrent.CompletableFuture<Void>> done = clones.stream().map(Clone::closeAsync).toList();
        assertTrue(clones.get(0).closeAsync() != null, "idempotent");

        client.close(); // drains what is pending

        assertEquals(java.util.Set.of(), kopid.live());
        for (java.util.concurrent.CompletableFuture<Void> f : done) {
            assertTrue(f.isDone() && !f.isCompletedExceptionally());
        }
        assertTrue(clones.stream().allMatch(Clone::isClosed));
    }

    @Test
    void aCloneRefusedForWantOfPortsWaitsForThisClientsBackgroundDestroysAndAsksAgain() {
        kopid.capacity(2, 300);
        Clone a = client.clone("prod");
        Clone b = client.clone("prod");
        a.closeAsync();
        b.closeAsync(); // both still being destroyed (300 ms each) when the next clone is asked for

        try (Clone c = client.clone("prod")) {
            assertEquals(Set.of(c.name()), kopid.live());
        }
        assertEquals(4, kopid.requests(CreateCloneRequest.class).size(), "refused once, then made");
    }

    @Test
    void aCloneRefusedForWantOfPortsWithNothingBeingDestroyedFailsAtOnce() {
        kopid.capacity(1, 0);
        try (Clone a = client.clone("prod")) {
            KopiClientException e = assertThrows(KopiClientException.class, () -> client.clone("prod"));
            assertEquals(KopiClientException.Kind.RESOURCE_EXHAUSTED, e.kind());
            assertEquals(2, kopid.requests(CreateCloneRequest.class).size(), "asked once");
        }
    }

    @Test
    void extendAndProtectSendTheirRequestsAndKeepTheNewState() {
        try (Clone c = client.clone("prod")) {
            kopid.reply("ExtendClone", dev.kopi.proto.v1.Clone.newBuilder().setName(c.name())
                    .setExpiresAt("2026-12-01T09:00:00Z").build());
            kopid.reply("ProtectClone", dev.kopi.proto.v1.Clone.newBuilder().setName(c.name()).build());

            assertEquals(java.time.Instant.parse("2026-12-01T09:00:00Z"),
                    c.extend(java.time.Duration.ofMinutes(90)).expiresAt().orElseThrow());
            assertEquals("1h30m", kopid.requests(dev.kopi.proto.v1.ExtendCloneRequest.class).get(0).getBy());
            assertTrue(c.protect(true).expiresAt().isEmpty(), "a protected clone does not expire");
            assertTrue(kopid.requests(dev.kopi.proto.v1.ProtectCloneRequest.class).get(0).getProtect());
        }
    }

    @Test
    void watchEventsDeliversEachEventUntilClosed() throws Exception {
        kopid.events(dev.kopi.proto.v1.Event.newBuilder().setSeq(1).setAt("2026-12-01T05:00:00Z")
                        .setKind("clone.created").setName("prod-1").build(),
                dev.kopi.proto.v1.Event.newBuilder().setSeq(2).setAt("2026-12-01T05:00:01Z")
                        .setKind("clone.destroyed").setName("prod-1").setReason("ttl").build());
        List<KopiEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch two = new java.util.concurrent.CountDownLatch(2);

        try (AutoCloseable watch = client.watchEvents(10, e -> {
            seen.add(e);
            two.countDown();
        })) {
            assertTrue(two.await(5, java.util.concurrent.TimeUnit.SECONDS), seen::toString);
        }

        assertEquals(List.of("clone.created", "clone.destroyed"), seen.stream().map(KopiEvent::kind).toList());
        assertEquals("ttl", seen.get(1).reason());
        assertEquals(10, kopid.requests(dev.kopi.proto.v1.WatchEventsRequest.class).get(0).getHistory());
    }
}
