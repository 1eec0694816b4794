package dev.kopi.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.Message;

import dev.kopi.proto.v1.AddSourceRequest;
import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CloneServiceGrpc;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.CreateSnapshotRequest;
import dev.kopi.proto.v1.DeleteSnapshotRequest;
import dev.kopi.proto.v1.DeleteSnapshotResponse;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.proto.v1.DestroyCloneResponse;
import dev.kopi.proto.v1.Event;
import dev.kopi.proto.v1.EventServiceGrpc;
import dev.kopi.proto.v1.ExtendCloneRequest;
import dev.kopi.proto.v1.GetCloneRequest;
import dev.kopi.proto.v1.GetStatusRequest;
import dev.kopi.proto.v1.ListClonesRequest;
import dev.kopi.proto.v1.ListClonesResponse;
import dev.kopi.proto.v1.ListSnapshotsRequest;
import dev.kopi.proto.v1.ListSnapshotsResponse;
import dev.kopi.proto.v1.ListSourcesRequest;
import dev.kopi.proto.v1.ListSourcesResponse;
import dev.kopi.proto.v1.ProtectCloneRequest;
import dev.kopi.proto.v1.RefreshEvent;
import dev.kopi.proto.v1.RefreshRequest;
import dev.kopi.proto.v1.RemoveSourceRequest;
import dev.kopi.proto.v1.RemoveSourceResponse;
import dev.kopi.proto.v1.ResetCloneRequest;
import dev.kopi.proto.v1.Snapshot;
import dev.kopi.proto.v1.SnapshotServiceGrpc;
import dev.kopi.proto.v1.Source;
import dev.kopi.proto.v1.SourceServiceGrpc;
import dev.kopi.proto.v1.StatusServiceGrpc;
import dev.kopi.proto.v1.WatchEventsRequest;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;

/**
 * A fake kopid: the five services on a real gRPC server on a Unix socket. Each RPC records its
 * request and answers with the next canned reply for its method (a message, or a {@link Status}
 * to fail with; the last reply is repeated). Methods without a reply fail with UNIMPLEMENTED.
 * The streaming RPCs (Refresh, WatchEvents) stream a canned list instead.
 */
final class FakeKopid implements AutoCloseable {
    final Path socket;
    private final EventLoopGroup boss = new EpollEventLoopGroup(1);
    private final EventLoopGroup worker = new EpollEventLoopGroup(1);
    private final Server server;
    private final List<Message> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Deque<Object>> replies = new ConcurrentHashMap<>();
    private volatile List<Object> refreshEvents;
    private volatile List<Object> watchEvents;

    FakeKopid(Path socket) throws IOException {
        this.socket = socket;
        this.server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(worker)
                .addService(new Clones())
                .addService(new Snapshots())
                .addService(new Sources())
                .addService(new StatusSvc())
                .addService(new Events())
                .build()
                .start();
    }

    /** Canned replies for a method ("CreateClone", ...): messages, or Status values to fail with. */
    FakeKopid reply(String method, Object... replies) {
        this.replies.put(method, new ArrayDeque<>(Arrays.asList(replies)));
        return this;
    }

    /** What Refresh streams: RefreshEvent messages, optionally ending with a Status to fail with. */
    FakeKopid refresh(Object... events) {
        this.refreshEvents = List.of(events);
        return this;
    }

    /**
     * What WatchEvents streams: Event messages; a CountDownLatch to wait on before going on (so a
     * test can look at the output mid-stream); optionally a Status at the end to fail with.
     * Without one, the stream ends normally after the list.
     */
    FakeKopid events(Object... events) {
        this.watchEvents = List.of(events);
        return this;
    }

    /** Every request received, in order. */
    List<Message> requests() {
        return List.copyOf(requests);
    }

    <T extends Message> List<T> requests(Class<T> type) {
        return requests.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The one request of this type received (fails the test if there were none or several). */
    <T extends Message> T only(Class<T> type) {
        List<T> all = requests(type);
        if (all.size() != 1) {
            throw new AssertionError("expected one " + type.getSimpleName() + ", got " + all);
        }
        return all.get(0);
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        worker.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    @SuppressWarnings("unchecked")
    private <T> void unary(String method, Message request, StreamObserver<T> response) {
        requests.add(request);
        Deque<Object> q = replies.get(method);
        Object r;
        synchronized (this) {
            r = q == null ? null : q.size() > 1 ? q.poll() : q.peek();
        }
        if (r == null) {
            response.onError(Status.UNIMPLEMENTED.withDescription("fake kopid: no reply for " + method)
                    .asRuntimeException());
        } else if (r instanceof Status s) {
            response.onError(s.asRuntimeException());
        } else {
            response.onNext((T) r);
            response.onCompleted();
        }
    }

    private final class Clones extends CloneServiceGrpc.CloneServiceImplBase {
        @Override
        public void createClone(CreateCloneRequest r, StreamObserver<Clone> o) {
            unary("CreateClone", r, o);
        }

        @Override
        public void getClone(GetCloneRequest r, StreamObserver<Clone> o) {
            unary("GetClone", r, o);
        }

        @Override
        public void listClones(ListClonesRequest r, StreamObserver<ListClonesResponse> o) {
            unary("ListClones", r, o);
        }

        @Override
        public void destroyClone(DestroyCloneRequest r, StreamObserver<DestroyCloneResponse> o) {
            unary("DestroyClone", r, o);
        }

        @Override
        public void resetClone(ResetCloneRequest r, StreamObserver<Clone> o) {
            unary("ResetClone", r, o);
        }

        @Override
        public void extendClone(ExtendCloneRequest r, StreamObserver<Clone> o) {
            unary("ExtendClone", r, o);
        }

        @Override
        public void protectClone(ProtectCloneRequest r, StreamObserver<Clone> o) {
            unary("ProtectClone", r, o);
        }
    }

    private final class Snapshots extends SnapshotServiceGrpc.SnapshotServiceImplBase {
        @Override
        public void listSnapshots(ListSnapshotsRequest r, StreamObserver<ListSnapshotsResponse> o) {
            unary("ListSnapshots", r, o);
        }

        @Override
        public void createSnapshot(CreateSnapshotRequest r, StreamObserver<Snapshot> o) {
            unary("CreateSnapshot", r, o);
        }

        @Override
        public void deleteSnapshot(DeleteSnapshotRequest r, StreamObserver<DeleteSnapshotResponse> o) {
            unary("DeleteSnapshot", r, o);
        }
    }

    private final class Sources extends SourceServiceGrpc.SourceServiceImplBase {
        @Override
        public void addSource(AddSourceRequest r, StreamObserver<Source> o) {
            unary("AddSource", r, o);
        }

        @Override
        public void listSources(ListSourcesRequest r, StreamObserver<ListSourcesResponse> o) {
            unary("ListSources", r, o);
        }

        @Override
        public void removeSource(RemoveSourceRequest r, StreamObserver<RemoveSourceResponse> o) {
            unary("RemoveSource", r, o);
        }

        @Override
        public void refresh(RefreshRequest r, StreamObserver<RefreshEvent> o) {
            requests.add(r);
            List<Object> events = refreshEvents;
            if (events == null) {
                o.onError(Status.UNIMPLEMENTED.withDescription("fake kopid: no refresh events").asRuntimeException());
                return;
            }
            for (Object e : events) {
                if (e instanceof Status s) {
                    o.onError(s.asRuntimeException());
                    return;
                }
                o.onNext((RefreshEvent) e);
            }
            o.onCompleted();
        }
    }

    private final class StatusSvc extends StatusServiceGrpc.StatusServiceImplBase {
        @Override
        public void getStatus(GetStatusRequest r, StreamObserver<dev.kopi.proto.v1.Status> o) {
            unary("GetStatus", r, o);
        }
    }

    private final class Events extends EventServiceGrpc.EventServiceImplBase {
        @Override
        public void watchEvents(WatchEventsRequest r, StreamObserver<Event> o) {
            requests.add(r);
            List<Object> events = watchEvents;
            if (events == null) {
                o.onError(Status.UNIMPLEMENTED.withDescription("fake kopid: no events").asRuntimeException());
                return;
            }
            for (Object e : events) {
                if (e instanceof Status s) {
                    o.onError(s.asRuntimeException());
                    return;
                }
                if (e instanceof CountDownLatch latch) {
                    try {
                        if (!latch.await(10, TimeUnit.SECONDS)) {
                            o.onError(Status.DEADLINE_EXCEEDED.withDescription("fake kopid: latch not released")
                                    .asRuntimeException());
                            return;
                        }
                    } catch (InterruptedException x) {
                        Thread.currentThread().interrupt();
                        o.onError(Status.CANCELLED.asRuntimeException());
                        return;
                    }
                    continue;
                }
                o.onNext((Event) e);
            }
            o.onCompleted();
        }
    }
}
