package dev.kopi.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

import dev.kopi.proto.v1.AbandonPreparedSnapshotRequest;
import dev.kopi.proto.v1.CloneServiceGrpc;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.proto.v1.DiffCloneRequest;
import dev.kopi.proto.v1.Event;
import dev.kopi.proto.v1.EventServiceGrpc;
import dev.kopi.proto.v1.ExtendCloneRequest;
import dev.kopi.proto.v1.FinishPreparedSnapshotRequest;
import dev.kopi.proto.v1.GetCertificateAuthorityRequest;
import dev.kopi.proto.v1.GetCloneRequest;
import dev.kopi.proto.v1.GetStatusRequest;
import dev.kopi.proto.v1.ListClonesRequest;
import dev.kopi.proto.v1.ListSnapshotsRequest;
import dev.kopi.proto.v1.PrepareSnapshotRequest;
import dev.kopi.proto.v1.PrepareSnapshotResponse;
import dev.kopi.proto.v1.ProtectCloneRequest;
import dev.kopi.proto.v1.ResetCloneRequest;
import dev.kopi.proto.v1.SchemaServiceGrpc;
import dev.kopi.proto.v1.SnapshotServiceGrpc;
import dev.kopi.proto.v1.StatusServiceGrpc;
import dev.kopi.proto.v1.WatchEventsRequest;

/**
 * A connection to kopid, the Kopi daemon, over its Unix socket.
 *
 * <pre>{@code
 * try (KopiClient kopi = KopiClient.connect();
 *      Clone db = kopi.newClone("prod").ttl(Duration.ofMinutes(30)).create()) {
 *     try (Connection c = db.dataSource().getConnection()) {
 *         ...
 *     }
 * } // the clone is destroyed, then the connection to kopid is closed
 * }</pre>
 *
 * <p>A client holds one gRPC channel and is safe to share between threads; make one per
 * application (or test run) and close it at the end. Failed calls throw
 * {@link KopiClientException}. Closing the client does not destroy clones: close them (or let
 * their TTL expire).
 */
public final class KopiClient implements AutoCloseable {
    private final Channel channel;
    private final String target;
    private final Runnable shutdown;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Made at the first {@link Clone#closeAsync()}. Guarded by this. */
    private Destroyer destroyer;

    private KopiClient(Channel channel, String target, Runnable shutdown) {
        this.channel = channel;
        this.target = target;
        this.shutdown = shutdown;
    }

    /**
     * Connects to kopid as the environment says ({@link KopiTarget#fromEnvironment()}): its TCP
     * API when {@code $KOPI_HOST} is set (token from {@code $KOPI_TOKEN} or
     * {@code $KOPI_TOKEN_FILE}, CA from {@code $KOPI_CA}), else its socket {@code $KOPI_SOCKET},
     * else {@code /run/kopi/kopi.sock}.
     */
    public static KopiClient connect() {
        return connect(KopiTarget.fromEnvironment());
    }

    /** Connects to kopid at {@code target}: its Unix socket, or its TCP API with a token. */
    public static KopiClient connect(KopiTarget target) {
        KopiChannel kopid = KopiChannel.open(target, target.remote() ? "set $" + KopiTarget.HOST_ENV
                + " to use another kopid" : "set $" + KopiChannel.SOCKET_ENV + " to use another socket");
        return new KopiClient(kopid.channel(), target.toString(), kopid::close);
    }

    /**
     * Connects to kopid at {@code socket}. The connection is made lazily; a socket file that
     * does not exist is refused at once with an {@link KopiClientException.Kind#UNAVAILABLE} error.
     */
    public static KopiClient connect(Path socket) {
        return connect(KopiTarget.socket(socket));
    }

    /**
     * A client over an existing gRPC channel, e.g. an in-process channel to a fake kopid in
     * tests. The channel stays the caller's: {@link #close()} does not shut it down.
     */
    public static KopiClient forChannel(Channel channel) {
        Objects.requireNonNull(channel, "channel");
        return new KopiClient(channel, channel.authority(), () -> { });
    }

    /** Where this client connects: the socket path, HOST:PORT (or the channel's authority). */
    public String target() {
        return target;
    }

    /** Clones {@code snapshot} ({@code SOURCE} for its newest snapshot, or {@code SOURCE@TAG}) with kopid's defaults. */
    public Clone clone(String snapshot) {
        return newClone(snapshot).create();
    }

    /**
     * Starts describing a clone of {@code snapshot} ({@code SOURCE} for its newest snapshot, or
     * {@code SOURCE@TAG}); finish with {@link NewClone#create()}.
     */
    public NewClone newClone(String snapshot) {
        return new NewClone(this, Objects.requireNonNull(snapshot, "snapshot"));
    }

    /**
     * Starts describing a snapshot prepared on top of {@code base} ({@code SOURCE}, or an exact
     * {@code SOURCE@TAG}) under a key: built once, then handed out at once. See {@link PreparedSnapshot}.
     */
    public PreparedSnapshot prepared(String base) {
        return new PreparedSnapshot(this, Objects.requireNonNull(base, "base"));
    }

    /** A handle on the existing clone {@code name}; {@link KopiClientException.Kind#NOT_FOUND} if there is none. */
    public Clone getClone(String name) {
        Objects.requireNonNull(name, "name");
        return new Clone(this, call(() -> cloneStub().getClone(GetCloneRequest.newBuilder().setName(name).build())));
    }

    /** All clones. */
    public List<CloneInfo> clones() {
        return clones("");
    }

    /** The clones of {@code snapshot} (a source name or {@code SOURCE@TAG}); all clones when empty. */
    public List<CloneInfo> clones(String snapshot) {
        ListClonesRequest req = ListClonesRequest.newBuilder().setSnapshot(Objects.requireNonNull(snapshot)).build();
        return call(() -> cloneStub().listClones(req)).getClonesList().stream().map(CloneInfo::of).toList();
    }

    /** All snapshots. */
    public List<SnapshotInfo> snapshots() {
        return snapshots("");
    }

    /** The snapshots of {@code source}; all snapshots when empty. */
    public List<SnapshotInfo> snapshots(String source) {
        ListSnapshotsRequest req = ListSnapshotsRequest.newBuilder().setSource(Objects.requireNonNull(source)).build();
        return call(() -> snapshotStub().listSnapshots(req)).getSnapshotsList().stream().map(SnapshotInfo::of).toList();
    }

    /** What clone {@code name} changed in its database's schema since its own snapshot. */
    public SchemaDiff diff(String name) {
        return diff(name, "", "");
    }

    /**
     * What clone {@code name} changed in the schema of {@code database} (empty: the clone's)
     * against {@code snapshot} ({@code SOURCE@TAG} or {@code SOURCE}; empty: the clone's own).
     * The first diff against a snapshot reads its schema (seconds); later ones use kopid's copy.
     */
    public SchemaDiff diff(String name, String snapshot, String database) {
        DiffCloneRequest req = DiffCloneRequest.newBuilder().setName(Objects.requireNonNull(name, "name"))
                .setAgainst(Objects.requireNonNull(snapshot, "snapshot"))
                .setDatabase(Objects.requireNonNull(database, "database")).build();
        return SchemaDiff.of(call(() -> KopiChannel.withDeadline(SchemaServiceGrpc.newBlockingStub(channel))
                .diffClone(req)));
    }

    /**
     * kopid's CA certificate (PEM): what its TLS API and its TLS clones are signed by; empty when
     * kopid has none. Fetched over a connection that already trusts kopid, or to pin on first use.
     */
    public String certificateAuthority() {
        return call(() -> KopiChannel.withDeadline(StatusServiceGrpc.newBlockingStub(channel))
                .getCertificateAuthority(GetCertificateAuthorityRequest.getDefaultInstance())).getPem();
    }

    /**
     * Watches kopid's events (clones made and destroyed, snapshots, refreshes) as they happen,
     * after the last {@code history} of them; {@code listener} is called on a gRPC thread. Close
     * the returned handle to stop. Needs an admin (the socket, or an admin token).
     */
    public AutoCloseable watchEvents(int history, Consumer<KopiEvent> listener) {
        Objects.requireNonNull(listener, "listener");
        if (closed.get()) {
            throw new IllegalStateException("this KopiClient (" + target + ") is closed");
        }
        Context.CancellableContext watch = Context.current().withCancellation();
        watch.run(() -> EventServiceGrpc.newStub(channel).watchEvents(WatchEventsRequest.newBuilder()
                .setHistory(history).build(), new StreamObserver<>() {
                    @Override
                    public void onNext(Event e) {
                        listener.accept(KopiEvent.of(e));
                    }

                    @Override
                    public void onError(Throwable t) {
                        // Ended by close() (cancelled), or by kopid going away: the watch is over either way.
                    }

                    @Override
                    public void onCompleted() {
                    }
                }));
        return () -> watch.cancel(null);
    }

    /** kopid's version, pool and capacity. */
    public DaemonStatus status() {
        return DaemonStatus.of(call(() -> KopiChannel.withDeadline(StatusServiceGrpc.newBlockingStub(channel))
                .getStatus(GetStatusRequest.getDefaultInstance())));
    }

    /**
     * Closes the connection to kopid (idempotent), after waiting (up to a minute) for the clones
     * being destroyed in the background ({@link Clone#closeAsync()}). Other clones are not destroyed.
     */
    @Override
    public void close() {
        Destroyer pending;
        synchronized (this) {
            pending = destroyer;
        }
        if (pending != null) {
            pending.drain(Duration.ofMinutes(1));
        }
        if (closed.compareAndSet(false, true)) {
            shutdown.run();
        }
    }

    @Override
    public String toString() {
        return "KopiClient[" + target + (closed.get() ? ", closed" : "") + "]";
    }

    // ------------------------------------------------------------------ used by Clone and NewClone

    Clone create(CreateCloneRequest req) {
        try {
            return new Clone(this, call(() -> cloneStub().createClone(req)));
        } catch (KopiClientException e) {
            // No free port or space while this client's own clones are still being destroyed in
            // the background (a fast suite outruns its destroys): those destroys free what the
            // request needs, so wait for them and ask once more rather than fail the test.
            Destroyer d;
            synchronized (this) {
                d = destroyer;
            }
            if (e.kind() != KopiClientException.Kind.RESOURCE_EXHAUSTED || d == null
                    || !d.settle(Duration.ofMinutes(1))) {
                throw e;
            }
            return new Clone(this, call(() -> cloneStub().createClone(req)));
        }
    }

    dev.kopi.proto.v1.Clone reset(String name) {
        return call(() -> cloneStub().resetClone(ResetCloneRequest.newBuilder().setName(name).build()));
    }

    CompletableFuture<Void> destroyLater(String name, Runnable destroy) {
        Destroyer d;
        synchronized (this) {
            if (destroyer == null) {
                destroyer = new Destroyer();
            }
            d = destroyer;
        }
        return d.submit(name, destroy);
    }

    dev.kopi.proto.v1.Clone extend(String name, String by) {
        return call(() -> cloneStub().extendClone(ExtendCloneRequest.newBuilder().setName(name).setBy(by).build()));
    }

    dev.kopi.proto.v1.Clone protect(String name, boolean on) {
        return call(() -> cloneStub().protectClone(ProtectCloneRequest.newBuilder().setName(name).setProtect(on)
                .build()));
    }

    /** Destroys {@code name}; false if it was already gone. */
    boolean destroy(String name) {
        try {
            call(() -> cloneStub().destroyClone(DestroyCloneRequest.newBuilder().setName(name).build()));
            return true;
        } catch (KopiClientException e) {
            if (e.kind() == KopiClientException.Kind.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    /** One PrepareSnapshot call; its wait is kopid's, so the deadline is the usual one. */
    PrepareSnapshotResponse prepare(PrepareSnapshotRequest req) {
        return call(() -> snapshotStub().prepareSnapshot(req));
    }

    dev.kopi.proto.v1.Snapshot finishPrepared(String clone) {
        return call(() -> snapshotStub().finishPreparedSnapshot(FinishPreparedSnapshotRequest.newBuilder()
                .setClone(clone).build()));
    }

    void abandonPrepared(String clone) {
        call(() -> snapshotStub().abandonPreparedSnapshot(AbandonPreparedSnapshotRequest.newBuilder().setClone(clone)
                .build()));
    }

    private CloneServiceGrpc.CloneServiceBlockingStub cloneStub() {
        return KopiChannel.withDeadline(CloneServiceGrpc.newBlockingStub(channel));
    }

    private SnapshotServiceGrpc.SnapshotServiceBlockingStub snapshotStub() {
        return KopiChannel.withDeadline(SnapshotServiceGrpc.newBlockingStub(channel));
    }

    private <T> T call(Supplier<T> rpc) {
        if (closed.get()) {
            throw new IllegalStateException("this KopiClient (" + target + ") is closed");
        }
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw KopiClientException.from(e, target);
        }
    }
}
