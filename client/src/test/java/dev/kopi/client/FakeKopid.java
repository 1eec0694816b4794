package dev.kopi.client;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CloneServiceGrpc;
import dev.kopi.proto.v1.CloneState;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.proto.v1.DestroyCloneResponse;
import dev.kopi.proto.v1.GetCloneRequest;
import dev.kopi.proto.v1.GetStatusRequest;
import dev.kopi.proto.v1.ListClonesRequest;
import dev.kopi.proto.v1.ListClonesResponse;
import dev.kopi.proto.v1.ListSnapshotsRequest;
import dev.kopi.proto.v1.ListSnapshotsResponse;
import dev.kopi.proto.v1.ResetCloneRequest;
import dev.kopi.proto.v1.Snapshot;
import dev.kopi.proto.v1.SnapshotServiceGrpc;
import dev.kopi.proto.v1.StatusServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
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
 * A fake kopid with in-memory clones: CloneService, SnapshotService and StatusService,
 * in-process or on a real Unix socket. It checks names like kopid, knows the sources
 * {@code demo}, {@code prod} and {@code prod-nightly}, and logs every create, reset and destroy.
 * {@link #failNext} makes the next call of an RPC fail with a status.
 */
public final class FakeKopid implements AutoCloseable {
    public static final String TAG = "20261123T020000Z";
    private static final Set<String> SOURCES = Set.of("demo", "prod", "prod-nightly");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    private final String host;
    private final Server server;
    private final String inProcessName;
    private final List<Group> groups = new ArrayList<>();
    private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();

    private final Map<String, Clone> clones = new ConcurrentHashMap<>();
    private final Map<String, Status> failures = new ConcurrentHashMap<>();
    private final AtomicInteger ports = new AtomicInteger(6000);
    private final AtomicInteger generated = new AtomicInteger();

    /** Every CreateClone request, in order. */
    public final List<CreateCloneRequest> creates = new CopyOnWriteArrayList<>();
    /** "create NAME", "reset NAME", "destroy NAME", in order. */
    public final List<String> log = new CopyOnWriteArrayList<>();

    private FakeKopid(String host, Path socket) throws IOException {
        this.host = host;
        if (socket == null) {
            inProcessName = InProcessServerBuilder.generateName();
            server = InProcessServerBuilder.forName(inProcessName).directExecutor()
                    .addService(new Clones()).addService(new Snapshots()).addService(new Statuses())
                    .build().start();
        } else {
            inProcessName = null;
            EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            EventLoopGroup worker = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
            groups.add(new Group(boss));
            groups.add(new Group(worker));
            server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(boss)
                    .workerEventLoopGroup(worker)
                    .withChildOption(ChannelOption.SO_KEEPALIVE, null) // not for Unix sockets
                    .addService(new Clones()).addService(new Snapshots()).addService(new Statuses())
                    .build().start();
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

    /** On a Unix socket, with clones on {@code host}. */
    public static FakeKopid onSocket(Path socket, String host) throws IOException {
        return new FakeKopid(host, socket);
    }

    /** A new in-process channel to this fake (closed with it). */
    public ManagedChannel channel() {
        ManagedChannel c = InProcessChannelBuilder.forName(inProcessName).directExecutor().build();
        channels.add(c);
        return c;
    }

    /** The next call of {@code rpc} (e.g. "CreateClone") fails with {@code status}. */
    public void failNext(String rpc, Status status) {
        failures.put(rpc, status);
    }

    /** Removes a clone behind the client's back, as kopid's reaper would. */
    public void reap(String name) {
        clones.remove(name);
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
        groups.forEach(Group::close);
    }

    private boolean failed(String rpc, StreamObserver<?> out) {
        Status s = failures.remove(rpc);
        if (s != null) {
            out.onError(s.asRuntimeException());
            return true;
        }
        return false;
    }

    private static String resolve(String snapshot) {
        String source = snapshot.contains("@") ? snapshot.substring(0, snapshot.indexOf('@')) : snapshot;
        if (!SOURCES.contains(source) || (snapshot.contains("@") && !snapshot.endsWith("@" + TAG))) {
            return null;
        }
        return source + "@" + TAG;
    }

    private final class Clones extends CloneServiceGrpc.CloneServiceImplBase {
        @Override
        public void createClone(CreateCloneRequest req, StreamObserver<Clone> out) {
            if (failed("CreateClone", out)) {
                return;
            }
            creates.add(req);
            String snapshot = resolve(req.getSnapshot());
            if (snapshot == null) {
                out.onError(Status.NOT_FOUND.withDescription("snapshot '" + req.getSnapshot() + "' not found")
                        .asRuntimeException());
                return;
            }
            String name = req.getName().isEmpty()
                    ? snapshot.substring(0, snapshot.indexOf('@')) + "-" + generated.incrementAndGet()
                    : req.getName();
            if (!NAME.matcher(name).matches() || name.contains("..")) {
                out.onError(Status.INVALID_ARGUMENT.withDescription("clone name '" + name + "' is not valid")
                        .asRuntimeException());
                return;
            }
            int port = ports.getAndIncrement();
            String user = "kopi_user" + port;
            String password = "pw" + port + "secret";
            String db = req.getDatabase().isEmpty() ? "app" : req.getDatabase();
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
                out.onError(Status.ALREADY_EXISTS.withDescription("clone '" + name + "' already exists")
                        .asRuntimeException());
                return;
            }
            log.add("create " + name);
            out.onNext(c);
            out.onCompleted();
        }

        @Override
        public void getClone(GetCloneRequest req, StreamObserver<Clone> out) {
            if (failed("GetClone", out)) {
                return;
            }
            Clone c = clones.get(req.getName());
            if (c == null) {
                out.onError(notFound(req.getName()));
                return;
            }
            out.onNext(c);
            out.onCompleted();
        }

        @Override
        public void listClones(ListClonesRequest req, StreamObserver<ListClonesResponse> out) {
            if (failed("ListClones", out)) {
                return;
            }
            ListClonesResponse.Builder b = ListClonesResponse.newBuilder();
            new TreeSet<>(clones.keySet()).stream().map(clones::get)
                    .filter(c -> c != null && (req.getSnapshot().isEmpty() || c.getSnapshot().equals(req.getSnapshot())
                            || c.getSnapshot().startsWith(req.getSnapshot() + "@")))
                    .forEach(b::addClones);
            out.onNext(b.build());
            out.onCompleted();
        }

        @Override
        public void destroyClone(DestroyCloneRequest req, StreamObserver<DestroyCloneResponse> out) {
            if (failed("DestroyClone", out)) {
                return;
            }
            if (clones.remove(req.getName()) == null) {
                out.onError(notFound(req.getName()));
                return;
            }
            log.add("destroy " + req.getName());
            out.onNext(DestroyCloneResponse.newBuilder().setName(req.getName()).build());
            out.onCompleted();
        }

        @Override
        public void resetClone(ResetCloneRequest req, StreamObserver<Clone> out) {
            if (failed("ResetClone", out)) {
                return;
            }
            Clone c = clones.computeIfPresent(req.getName(),
                    (k, v) -> v.toBuilder().setResetCount(v.getResetCount() + 1).setResetAt("2026-11-23T14:05:00Z")
                            .build());
            if (c == null) {
                out.onError(notFound(req.getName()));
                return;
            }
            log.add("reset " + req.getName());
            out.onNext(c);
            out.onCompleted();
        }

        private RuntimeException notFound(String name) {
            return Status.NOT_FOUND.withDescription("clone '" + name + "' not found").asRuntimeException();
        }
    }

    private final class Snapshots extends SnapshotServiceGrpc.SnapshotServiceImplBase {
        @Override
        public void listSnapshots(ListSnapshotsRequest req, StreamObserver<ListSnapshotsResponse> out) {
            if (failed("ListSnapshots", out)) {
                return;
            }
            ListSnapshotsResponse.Builder b = ListSnapshotsResponse.newBuilder();
            new TreeSet<>(SOURCES).stream()
                    .filter(s -> req.getSource().isEmpty() || s.equals(req.getSource()))
                    .forEach(s -> b.addSnapshots(Snapshot.newBuilder()
                            .setName(s + "@" + TAG).setSource(s).setTag(TAG).setCreatedAt("2026-11-23T02:00:00Z")
                            .setPostgresVersion("17.2").setDatabase("app").setLatest(true).setSizeBytes(1 << 20)
                            .setCloneCount((int) clones.values().stream()
                                    .filter(c -> c.getSnapshot().equals(s + "@" + TAG)).count())));
            out.onNext(b.build());
            out.onCompleted();
        }
    }

    private final class Statuses extends StatusServiceGrpc.StatusServiceImplBase {
        @Override
        public void getStatus(GetStatusRequest req, StreamObserver<dev.kopi.proto.v1.Status> out) {
            if (failed("GetStatus", out)) {
                return;
            }
            out.onNext(dev.kopi.proto.v1.Status.newBuilder()
                    .setVersion("0.1.0-test").setBackend("btrfs").setPool("/var/lib/kopi")
                    .setPoolSizeBytes(10L << 30).setPoolFreeBytes(8L << 30)
                    .setSources(SOURCES.size()).setSnapshots(SOURCES.size())
                    .setClones(clones.size()).setClonesRunning(clones.size())
                    .setPortsFree(100).setUptimeMs(60_000)
                    .build());
            out.onCompleted();
        }
    }

    private record Group(EventLoopGroup group) {
        void close() {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }
}
