package dev.kopi.daemon.rpc;

import java.util.concurrent.atomic.AtomicBoolean;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import dev.kopi.daemon.core.Events;
import dev.kopi.proto.v1.Event;
import dev.kopi.proto.v1.EventServiceGrpc;
import dev.kopi.proto.v1.WatchEventsRequest;

/** kopi.v1.EventService: one subscription per stream, ended when the caller goes away. */
public final class EventRpc extends EventServiceGrpc.EventServiceImplBase {
    /** Events a watcher may fall behind by before its stream is ended (it can reconnect). */
    private static final int MAX_BEHIND = 10_000;

    private final Events events;

    public EventRpc(Events events) {
        this.events = events;
    }

    @Override
    public void watchEvents(WatchEventsRequest req, StreamObserver<Event> out) {
        if (req.getHistory() < 0) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("history must be 0 or more").asRuntimeException());
            return;
        }
        ServerCallStreamObserver<Event> call = (ServerCallStreamObserver<Event>) out;
        AtomicBoolean ended = new AtomicBoolean();
        int[] behind = {0};
        Events.Subscription[] sub = new Events.Subscription[1];
        call.setOnReadyHandler(() -> behind[0] = 0);
        // Events arrive one at a time (the bus delivers in order under its lock), so this
        // observer is never called concurrently.
        sub[0] = events.watch(Math.min(req.getHistory(), 1000), e -> {
            if (ended.get()) {
                return;
            }
            if (!call.isReady() && ++behind[0] > MAX_BEHIND) {
                ended.set(true);
                call.onError(Status.RESOURCE_EXHAUSTED.withDescription("the watcher fell " + MAX_BEHIND
                        + " events behind; reconnect with --history to catch up").asRuntimeException());
                return;
            }
            call.onNext(Protos.event(e));
        });
        call.setOnCancelHandler(() -> {
            ended.set(true);
            sub[0].close();
        });
    }
}
