package dev.kopi.client;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import com.google.protobuf.Message;

import dev.kopi.proto.v1.AbandonPreparedSnapshotRequest;
import dev.kopi.proto.v1.AbandonPreparedSnapshotResponse;
import dev.kopi.proto.v1.AddSourceRequest;
import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CloneServiceGrpc;
import dev.kopi.proto.v1.CloneState;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.CreateSnapshotRequest;
import dev.kopi.proto.v1.DeleteSnapshotRequest;
import dev.kopi.proto.v1.DeleteSnapshotResponse;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.proto.v1.DestroyCloneResponse;
import dev.kopi.proto.v1.DiffCloneRequest;
import dev.kopi.proto.v1.Event;
import dev.kopi.proto.v1.EventServiceGrpc;
import dev.kopi.proto.v1.ExtendCloneRequest;
import dev.kopi.proto.v1.FinishPreparedSnapshotRequest;
import dev.kopi.proto.v1.GetCloneRequest;
import dev.kopi.proto.v1.GetStatusRequest;
import dev.kopi.proto.v1.ListClonesRequest;
import dev.kopi.proto.v1.ListClonesResponse;
import dev.kopi.proto.v1.ListSnapshotsRequest;
import dev.kopi.proto.v1.ListSnapshotsResponse;
import dev.kopi.proto.v1.ListSourcesRequest;
import dev.kopi.proto.v1.ListSourcesResponse;
import dev.kopi.proto.v1.PrepareSnapshotRequest;
import dev.kopi.proto.v1.PrepareSnapshotResponse;
import dev.kopi.proto.v1.ProtectCloneRequest;
import dev.kopi.proto.v1.RefreshEvent;
import dev.kopi.proto.v1.RefreshRequest;
import dev.kopi.proto.v1.RemoveSourceRequest;
import dev.kopi.proto.v1.RemoveSourceResponse;
import dev.kopi.proto.v1.ResetCloneRequest;
import dev.kopi.proto.v1.SchemaDiff;
import dev.kopi.proto.v1.SchemaServiceGrpc;
import dev.kopi.proto.v1.Snapshot;
import dev.kopi.proto.v1.SnapshotServiceGrpc;
import dev.kopi.proto.v1.Source;
import dev.kopi.proto.v1.SourceServiceGrpc;
import dev.kopi.proto.v1.StatusServiceGrpc;
import dev.kopi.proto.v1.WatchEventsRequest;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;

/**
 * A fake kopid for the client's and kopictl's tests (published in kopi-client's test-jar): the
 * five services, in-process or on a real Unix socket. Every request is recorded. Each RPC answers,
 * in this order of precedence:
 * <ol>
 * <li>with the status given to {@link #failNext} for it, once;</li>
 * <li>with the next canned reply given to {@link #reply} for it (a message, or a {@link Status} to
 *     fail with; the last one is repeated);</li>
 * <li>from an in-memory model of clones, for CreateClone, GetClone, ListClones, DestroyClone,
 *     ResetClone, ListSnapshots and GetStatus: it checks names like kopid ({@link #validName}),
 *     knows the sources {@code demo}, {@code prod} and {@code prod-nightly}, and logs every
 *     create, reset and destroy;</li>
 * <li>else with UNIMPLEMENTED.</li>
 * </ol>
 * The streaming RPCs (Refresh, WatchEvents) stream a canned list instead ({@link #refresh},
 * {@link #events}).
 */
public final class FakeKopid implements AutoCloseable {
    public static final String TAG = "20261123T020000Z";
    private static final Set<String> SOURCES = Set.of("demo", "prod", "prod-nightly");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    /** The socket this fake listens on; null in-process. */
    public final Path socket;
    private final String host;
    private final Server server;
    private final String inProcessName;
    private final List<EventLoopGroup> groups = new ArrayList<>();
    private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();

    private final List<Message> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Status> failures = new ConcurrentHashMap<>();
    private final Map<String, Deque<Object>> replies = new ConcurrentHashMap<>();
    private volatile List<Object> refreshEvents;
    private volatile List<Object> watchEvents;

    private final Map<String, Clone> clones = new ConcurrentHashMap<>();
    private final AtomicInteger ports = new AtomicInteger(6000);
    /** At most this many live clones (a port range), and how long each destroy takes. */
    private volatile int capacity = Integer.MAX_VALUE;
    private volatile long destroyMillis;
    private final AtomicInteger generated = new AtomicInteger();

    /** Every CreateClone request the model of clones answered (not failNext or reply), in order. */
    public final List<CreateCloneRequest> creates = new CopyOnWriteArrayList<>();
    /** The model's "create NAME", "reset NAME", "destroy NAME", in order. */
    public final List<String> log = new CopyOnWriteArrayList<>();

    private FakeKopid(String host, Path socket) throws IOException {
        this.host = host;
        this.socket = socket;
        List<BindableService> services = List.of(new Clones(), new Snapshots(), new Sources(), new Statuses(),
                new Events(), new Schemas());
        ServerBuilder<?> builder;
        if (socket == null) {
            inProcessName = InProcessServerBuilder.generateName();
            builder = InProcessServerBuilder.forName(inProcessName).directExecutor();
        } else {
            inProcessName = null;
            EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            EventLoopGroup worker = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
            groups.add(boss);
            groups.add(worker);
            builder = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(boss)
                    .workerEventLoopGroup(worker)
                    .withChildOption(ChannelOption.SO_KEEPALIVE, null); // not for Unix sockets
        }
        services.forEach(builder::addService);
        try {
            server = builder.build().start();
        } catch (IOException | RuntimeException e) {
            closeGroups();
            throw e;
        }
    }

    /** In-process; connect with {@link #channel()}. Clones listen on host "fakehost". */
    public static FakeKopid inProcess() throws IOException {
        return new FakeKopid("fakehost", null);
    }

    /** In-process, with clones on {@code host}. */
    public static FakeKopid inProcess(String host) throws IOException {
        return new FakeKopid(host, null);
    }

    /** On a Unix socket, with clones on host "fakehost". */
    public static FakeKopid onSocket(Path socket) throws IOException {
        return new FakeKopid("fakehost", socket);
    }

    /** On a Unix socket, with clones on {@code host}. */
    public static FakeKopid onSocket(Path socket, String host) throws IOException {
        return new FakeKopid(host, socket);
    }

    /** kopid's rule (daemon Names): 1-63 of [a-z0-9._-], starting with a letter or digit, no "..". */
    public static boolean validName(String name) {
        return NAME.matcher(name).matches() && !name.contains("..");
    }

    /** A new in-process channel to this fake (closed with it). */
    public ManagedChannel channel() {
        ManagedChannel c = InProcessChannelBuilder.forName(inProcessName).directExecutor().build();
        channels.add(c);
        return c;
    }

    // ------------------------------------------------------------------ what the fake answers

    /** The next call of {@code rpc} (e.g. "CreateClone") fails with {@code status}. */
    public void failNext(String rpc, Status status) {
        failures.put(rpc, status);
    }

    /** Canned replies for a method ("CreateClone", ...): messages, or Status values to fail with. */
    public FakeKopid reply(String method, Object... replies) {
        this.replies.put(method, new ArrayDeque<>(Arrays.asList(replies)));
        return this;
    }

    /** What Refresh streams: RefreshEvent messages, optionally ending with a Status to fail with. */
    public FakeKopid refresh(Object... events) {
        this.refreshEvents = List.of(events);
        return this;
    }

    /**
     * What WatchEvents streams: Event messages; a CountDownLatch to wait on before going on (so a
     * test can look at the output mid-stream); optionally a Status at the end to fail with.
     * Without one, the stream ends normally after the list.
     */
    public FakeKopid events(Object... events) {
        this.watchEvents = List.of(events);
        return this;
    }

    /** Removes a clone behind the client's back, as kopid's reaper would. */
    public void reap(String name) {
        clones.remove(name);
    }

    // ------------------------------------------------------------------ what the fake received

    /** Every request received, in order. */
    public List<Message> requests() {
        return List.copyOf(requests);
    }

    /** The requests of this type received, in order. */
    public <T extends Message> List<T> requests(Class<T> type) {
        return requests.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The one request of this type received (fails the test if there were none or several). */
    public <T extends Message> T only(Class<T> type) {
        List<T> all = requests(type);
        if (all.size() != 1) {
            throw new AssertionError("expected one " + type.getSimpleName() + ", got " + all);
        }
        return all.get(0);
    }

    /** Names of the clones that exist now. */
    public Set<String> live() {
        return new TreeSet<>(clones.keySet());
    }

    /** Names destroyed, in order. */
    public List<String> destroyed() {
        return log.stream().filter(l -> l.startsWith("destroy ")).map(l -> l.substring(8)).toList();
    }

    /** Names created, in order. */
    public List<String> created() {
        return log.stream().filter(l -> l.startsWith("create ")).map(l -> l.substring(7)).toList();
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeGroups();
    }

    private void closeGroups() {
        for (EventLoopGroup g : groups) {
            g.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    // ------------------------------------------------------------------ answering

    /** How the model of clones answers a request; fails with a StatusRuntimeException. */
    @FunctionalInterface
    private interface Model<Q, R> {
        R answer(Q request);
    }

    /** Records the request, then answers by failNext, a canned reply, the model, or UNIMPLEMENTED. */
    @SuppressWarnings("unchecked")
    private <Q extends Message, R> void unary(String method, Q request, StreamObserver<R> out, Model<Q, R> model) {
        requests.add(request);
        try {
            Object r = failures.remove(method);
            if (r == null) {
                Deque<Object> q = replies.get(method);
                synchronized (this) {
                    r = q == null ? null : q.size() > 1 ? q.poll() : q.peek();
                }
            }
            R answer;
            if (r instanceof Status s) {
                throw s.asRuntimeException();
            } else if (r != null) {
                answer = (R) r;
            } else if (model != null) {
                answer = model.answer(request);
            } else {
                throw Status.UNIMPLEMENTED.withDescription("fake kopid: no reply for " + method).asRuntimeException();
            }
            out.onNext(answer);
            out.onCompleted();
        } catch (StatusRuntimeException e) {
            out.onError(e);
        }
    }

    /** Records the request, then streams {@code events} (see {@link #refresh}, {@link #events}). */
    @SuppressWarnings("unchecked")
    private <R> void stream(String method, Message request, List<Object> events, String none,
                            StreamObserver<R> out) {
        requests.add(request);
        Status failure = failures.remove(method);
        if (failure != null) {
            out.onError(failure.asRuntimeException());
            return;
        }
        if (events == null) {
            out.onError(Status.UNIMPLEMENTED.withDescription("fake kopid: " + none).asRuntimeException());
            return;
        }
        for (Object e : events) {
            if (e instanceof Status s) {
                out.onError(s.asRuntimeException());
                return;
            }
            if (e instanceof CountDownLatch latch) {
                try {
                    if (!latch.await(10, TimeUnit.SECONDS)) {
                        out.onError(Status.DEADLINE_EXCEEDED.withDescription("fake kopid: latch not released")
                                .asRuntimeException());
                        return;
                    }
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                    out.onError(Status.CANCELLED.asRuntimeException());
                    return;
                }
                continue;
            }
            out.onNext((R) e);
        }
        out.onCompleted();
    }

    // ------------------------------------------------------------------ the model of clones

    private static String resolve(String snapshot) {
        String source = snapshot.contains("@") ? snapshot.substring(0, snapshot.indexOf('@')) : snapshot;
        if (!SOURCES.contains(source) || (snapshot.contains("@") && !snapshot.endsWith("@" + TAG))) {
            return null;
        }
        return source + "@" + TAG;
    }

    /** Refuses clones beyond {@code live} at once, as a used-up port range does; destroys take {@code millis}. */
    public FakeKopid capacity(int live, long millis) {
        capacity = live;
        destroyMillis = millis;
        return this;
    }

    private Clone createClone(CreateCloneRequest req) {
        creates.add(req);
        if (clones.size() >= capacity) {
            throw Status.RESOURCE_EXHAUSTED.withDescription("no free port in 6000-" + (6000 + capacity - 1)
                    + " (" + capacity + " used by clones): destroy clones or widen postgres.ports").asRuntimeException();
        }
        String snapshot = resolve(req.getSnapshot());
        if (snapshot == null) {
            throw Status.NOT_FOUND.withDescription("snapshot '" + req.getSnapshot() + "' not found")
                    .asRuntimeException();
        }
        if (req.hasName() && req.getName().isEmpty()) {
            throw Status.INVALID_ARGUMENT.withDescription("clone name is empty").asRuntimeException();
        }
        String name = !req.hasName()
                ? snapshot.substring(0, snapshot.indexOf('@')) + "-" + generated.incrementAndGet()
                : req.getName();
        if (!validName(name)) {
            throw Status.INVALID_ARGUMENT.withDescription("clone name '" + name + "' is not valid")
                    .asRuntimeException();
        }
        int port = ports.getAndIncrement();
        String user = "kopi_user" + port;
        String password = "pw" + port + "secret";
        String db = req.hasDatabase() ? req.getDatabase() : "app";
        Clone c = Clone.newBuilder()
                .setName(name).setSnapshot(snapshot).setHost(host).setPort(port)
                .setUser(user).setPassword(password).setDatabase(db)
                .setUri("postgresql://" + user + ":" + password + "@" + host + ":" + port + "/" + db)
                .setJdbcUrl("jdbc:postgresql://" + host + ":" + port + "/" + db + "?user=" + user
                        + "&password=" + password)
                .setState(CloneState.CLONE_STATE_RUNNING)
                .setCreatedAt("2026-11-23T14:00:00Z")
                .setExpiresAt(req.getTtl().isEmpty() || req.getTtl().equals("0") ? "" : "2026-11-23T14:30:00Z")
                .setProtected(req.getProtect())
                .build();
        if (clones.putIfAbsent(name, c) != null) {
            throw Status.ALREADY_EXISTS.withDescription("clone '" + name + "' already exists").asRuntimeException();
        }
        log.add("create " + name);
        return c;
    }

    private Clone getClone(GetCloneRequest req) {
        Clone c = clones.get(req.getName());
        if (c == null) {
            throw cloneNotFound(req.getName());
        }
        return c;
    }

    private ListClonesResponse listClones(ListClonesRequest req) {
        ListClonesResponse.Builder b = ListClonesResponse.newBuilder();
        new TreeSet<>(clones.keySet()).stream().map(clones::get)
                .filter(c -> c != null && (req.getSnapshot().isEmpty() || c.getSnapshot().equals(req.getSnapshot())
                        || c.getSnapshot().startsWith(req.getSnapshot() + "@")))
                .forEach(b::addClones);
        return b.build();
    }

    private DestroyCloneResponse destroyClone(DestroyCloneRequest req) {
        if (destroyMillis > 0) {
            try {
                Thread.sleep(destroyMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (clones.remove(req.getName()) == null) {
            throw cloneNotFound(req.getName());
        }
        log.add("destroy " + req.getName());
        return DestroyCloneResponse.newBuilder().setName(req.getName()).build();
    }

    private Clone resetClone(ResetCloneRequest req) {
        Clone c = clones.computeIfPresent(req.getName(),
                (k, v) -> v.toBuilder().setResetCount(v.getResetCount() + 1).setResetAt("2026-11-23T14:05:00Z")
                        .build());
        if (c == null) {
            throw cloneNotFound(req.getName());
        }
        log.add("reset " + req.getName());
        return c;
    }

    private static StatusRuntimeException cloneNotFound(String name) {
        return Status.NOT_FOUND.withDescription("clone '" + name + "' not found").asRuntimeException();
    }

    private ListSnapshotsResponse listSnapshots(ListSnapshotsRequest req) {
        ListSnapshotsResponse.Builder b = ListSnapshotsResponse.newBuilder();
        new TreeSet<>(SOURCES).stream()
                .filter(s -> req.getSource().isEmpty() || s.equals(req.getSource()))
                .forEach(s -> b.addSnapshots(Snapshot.newBuilder()
                        .setName(s + "@" + TAG).setSource(s).setTag(TAG).setCreatedAt("2026-11-23T02:00:00Z")
                        .setPostgresVersion("17.2").setDatabase("app").setLatest(true).setSizeBytes(1 << 20)
                        .setCloneCount((int) clones.values().stream()
                                .filter(c -> c.getSnapshot().equals(s + "@" + TAG)).count())));
        return b.build();
    }

    private dev.kopi.proto.v1.Status getStatus(GetStatusRequest req) {
        return dev.kopi.proto.v1.Status.newBuilder()
                .setVersion("0.1.0-test").setBackend("btrfs").setPool("/var/lib/kopi")
                .setPoolSizeBytes(10L << 30).setPoolFreeBytes(8L << 30)
                .setSources(SOURCES.size()).setSnapshots(SOURCES.size())
                .setClones(clones.size()).setClonesRunning(clones.size())
                .setPortsFree(100).setUptimeMs(60_000)
                .build();
    }

    // ------------------------------------------------------------------ the services

    private final class Clones extends CloneServiceGrpc.CloneServiceImplBase {
        @Override
        public void createClone(CreateCloneRequest r, StreamObserver<Clone> o) {
            unary("CreateClone", r, o, FakeKopid.this::createClone);
        }

        @Override
        public void getClone(GetCloneRequest r, StreamObserver<Clone> o) {
            unary("GetClone", r, o, FakeKopid.this::getClone);
        }

        @Override
        public void listClones(ListClonesRequest r, StreamObserver<ListClonesResponse> o) {
            unary("ListClones", r, o, FakeKopid.this::listClones);
        }

        @Override
        public void destroyClone(DestroyCloneRequest r, StreamObserver<DestroyCloneResponse> o) {
            unary("DestroyClone", r, o, FakeKopid.this::destroyClone);
        }

        @Override
        public void resetClone(ResetCloneRequest r, StreamObserver<Clone> o) {
            unary("ResetClone", r, o, FakeKopid.this::resetClone);
        }

        @Override
        public void extendClone(ExtendCloneRequest r, StreamObserver<Clone> o) {
            unary("ExtendClone", r, o, null);
        }

        @Override
        public void protectClone(ProtectCloneRequest r, StreamObserver<Clone> o) {
            unary("ProtectClone", r, o, null);
        }
    }

    private final class Snapshots extends SnapshotServiceGrpc.SnapshotServiceImplBase {
        @Override
        public void listSnapshots(ListSnapshotsRequest r, StreamObserver<ListSnapshotsResponse> o) {
            unary("ListSnapshots", r, o, FakeKopid.this::listSnapshots);
        }

        @Override
        public void createSnapshot(CreateSnapshotRequest r, StreamObserver<Snapshot> o) {
            unary("CreateSnapshot", r, o, null);
        }

        @Override
        public void deleteSnapshot(DeleteSnapshotRequest r, StreamObserver<DeleteSnapshotResponse> o) {
            unary("DeleteSnapshot", r, o, null);
        }

        @Override
        public void prepareSnapshot(PrepareSnapshotRequest r, StreamObserver<PrepareSnapshotResponse> o) {
            unary("PrepareSnapshot", r, o, FakeKopid.this::prepareSnapshot);
        }

        @Override
        public void finishPreparedSnapshot(FinishPreparedSnapshotRequest r, StreamObserver<Snapshot> o) {
            unary("FinishPreparedSnapshot", r, o, FakeKopid.this::finishPrepared);
        }

        @Override
        public void abandonPreparedSnapshot(AbandonPreparedSnapshotRequest r,
                                            StreamObserver<AbandonPreparedSnapshotResponse> o) {
            unary("AbandonPreparedSnapshot", r, o, FakeKopid.this::abandonPrepared);
        }
    }

    // ------------------------------------------------------------------ the model of prepared snapshots

    /** Published prepared snapshots by "BASE.KEY"; builds in progress by builder clone: "BASE.KEY". */
    private final Map<String, Snapshot> prepared = new ConcurrentHashMap<>();
    private final Map<String, String> builds = new ConcurrentHashMap<>();

    private synchronized PrepareSnapshotResponse prepareSnapshot(PrepareSnapshotRequest req) {
        String base = resolve(req.getBase());
        if (base == null) {
            throw Status.NOT_FOUND.withDescription("snapshot '" + req.getBase() + "' not found").asRuntimeException();
        }
        if (!req.getKey().matches("[a-z0-9]{6,40}")) {
            throw Status.INVALID_ARGUMENT.withDescription("key '" + req.getKey() + "' is not 6-40 of [a-z0-9]")
                    .asRuntimeException();
        }
        String line = base.substring(0, base.indexOf('@')) + "." + req.getKey();
        Snapshot made = prepared.get(line);
        if (made != null) {
            return PrepareSnapshotResponse.newBuilder().setSnapshot(made).build();
        }
        for (Map.Entry<String, String> b : builds.entrySet()) {
            if (b.getValue().equals(line)) {
                return PrepareSnapshotResponse.newBuilder().setWaitingFor(b.getKey()).build();
            }
        }
        Clone builder = createClone(CreateCloneRequest.newBuilder().setSnapshot(base).setTtl(req.getTtl()).build());
        builds.put(builder.getName(), line);
        log.add("prepare " + line + " on " + builder.getName());
        return PrepareSnapshotResponse.newBuilder().setBuild(builder).build();
    }

    private synchronized Snapshot finishPrepared(FinishPreparedSnapshotRequest req) {
        String line = builds.remove(req.getClone());
        if (line == null) {
            throw Status.FAILED_PRECONDITION.withDescription("clone '" + req.getClone() + "' is not building a "
                    + "prepared snapshot").asRuntimeException();
        }
        clones.remove(req.getClone());
        Snapshot s = Snapshot.newBuilder().setName(line + "@" + TAG).setSource(line).setTag(TAG)
                .setCreatedAt("2026-11-23T03:00:00Z").setPostgresVersion("17.2").setDatabase("app").setLatest(true)
                .setPreparedKey(line.substring(line.lastIndexOf('.') + 1)).build();
        prepared.put(line, s);
        log.add("finish " + line);
        return s;
    }

    private synchronized AbandonPreparedSnapshotResponse abandonPrepared(AbandonPreparedSnapshotRequest req) {
        if (builds.remove(req.getClone()) == null) {
            throw Status.FAILED_PRECONDITION.withDescription("clone '" + req.getClone() + "' is not building a "
                    + "prepared snapshot").asRuntimeException();
        }
        clones.remove(req.getClone());
        log.add("abandon " + req.getClone());
        return AbandonPreparedSnapshotResponse.getDefaultInstance();
    }

    private final class Sources extends SourceServiceGrpc.SourceServiceImplBase {
        @Override
        public void addSource(AddSourceRequest r, StreamObserver<Source> o) {
            unary("AddSource", r, o, null);
        }

        @Override
        public void listSources(ListSourcesRequest r, StreamObserver<ListSourcesResponse> o) {
            unary("ListSources", r, o, null);
        }

        @Override
        public void removeSource(RemoveSourceRequest r, StreamObserver<RemoveSourceResponse> o) {
            unary("RemoveSource", r, o, null);
        }

        @Override
        public void refresh(RefreshRequest r, StreamObserver<RefreshEvent> o) {
            stream("Refresh", r, refreshEvents, "no refresh events", o);
        }
    }

    private final class Statuses extends StatusServiceGrpc.StatusServiceImplBase {
        @Override
        public void getStatus(GetStatusRequest r, StreamObserver<dev.kopi.proto.v1.Status> o) {
            unary("GetStatus", r, o, FakeKopid.this::getStatus);
        }
    }

    private final class Events extends EventServiceGrpc.EventServiceImplBase {
        @Override
        public void watchEvents(WatchEventsRequest r, StreamObserver<Event> o) {
            stream("WatchEvents", r, watchEvents, "no events", o);
        }
    }

    private final class Schemas extends SchemaServiceGrpc.SchemaServiceImplBase {
        @Override
        public void diffClone(DiffCloneRequest r, StreamObserver<SchemaDiff> o) {
            unary("DiffClone", r, o, null);
        }
    }
}
