package dev.kopi.daemon.rpc;

import java.util.concurrent.atomic.AtomicBoolean;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.core.Trigger;
import dev.kopi.daemon.source.Sources;
import dev.kopi.proto.v1.AddSourceRequest;
import dev.kopi.proto.v1.ListSourcesRequest;
import dev.kopi.proto.v1.ListSourcesResponse;
import dev.kopi.proto.v1.RefreshEvent;
import dev.kopi.proto.v1.RefreshRequest;
import dev.kopi.proto.v1.RemoveSourceRequest;
import dev.kopi.proto.v1.RemoveSourceResponse;
import dev.kopi.proto.v1.Source;
import dev.kopi.proto.v1.SourceServiceGrpc;

/** kopi.v1.SourceService: translates; refresh streams the pipeline's progress. */
public final class SourceRpc extends SourceServiceGrpc.SourceServiceImplBase {
    private final Sources sources;

    public SourceRpc(Sources sources) {
        this.sources = sources;
    }

    @Override
    public void addSource(AddSourceRequest req, StreamObserver<Source> out) {
        Rpc.unary(out, () -> {
            sources.add(Protos.definition(req));
            return Protos.source(sources.get(req.getName()));
        });
    }

    @Override
    public void listSources(ListSourcesRequest req, StreamObserver<ListSourcesResponse> out) {
        Rpc.unary(out, () -> {
            ListSourcesResponse.Builder b = ListSourcesResponse.newBuilder();
            sources.list().forEach(v -> b.addSources(Protos.source(v)));
            return b.build();
        });
    }

    @Override
    public void removeSource(RemoveSourceRequest req, StreamObserver<RemoveSourceResponse> out) {
        Rpc.unary(out, () -> {
            sources.remove(req.getName(), req.getForce());
            return RemoveSourceResponse.newBuilder().setName(req.getName()).build();
        });
    }

    /**
     * Runs the refresh on this call's thread and streams its progress. If the caller goes away
     * the refresh still finishes (or fails and cleans up): half a refresh is never left behind.
     * With {@code async} the refresh runs in the background and one "started" event answers.
     */
    @Override
    public void refresh(RefreshRequest req, StreamObserver<RefreshEvent> out) {
        long t0 = System.nanoTime();
        if (req.getAsync()) {
            Rpc.unary(out, () -> {
                sources.refreshAsync(req.getName(), Trigger.API);
                return RefreshEvent.newBuilder().setPhase("started")
                        .setMessage("refresh of " + req.getName() + " started; 'kopictl sources' shows how it ends")
                        .build();
            });
            return;
        }
        AtomicBoolean open = new AtomicBoolean(true);
        if (out instanceof ServerCallStreamObserver<RefreshEvent> call) {
            call.setOnCancelHandler(() -> open.set(false));
        }
        Sources.Outcome outcome;
        try {
            outcome = sources.refresh(req.getName(), (phase, message, done, total) -> {
                if (!open.get()) {
                    return;
                }
                synchronized (out) {
                    try {
                        out.onNext(RefreshEvent.newBuilder().setPhase(phase).setMessage(message).setBytesDone(done)
                                .setBytesTotal(total).setElapsedMs((System.nanoTime() - t0) / 1_000_000).build());
                    } catch (RuntimeException gone) {
                        open.set(false);
                    }
                }
            }, Trigger.API);
        } catch (Throwable t) {
            if (open.get()) {
                synchronized (out) {
                    out.onError(Errors.toStatus(t));
                }
            }
            return;
        }
        if (open.get()) {
            SnapshotRecord snap = outcome.snapshot();
            synchronized (out) {
                out.onNext(RefreshEvent.newBuilder().setPhase("done")
                        .setMessage(outcome.unchanged() ? "unchanged: " + snap.name() + " was built from the same scripts"
                                : "published " + snap.name())
                        .setElapsedMs((System.nanoTime() - t0) / 1_000_000)
                        .setUnchanged(outcome.unchanged())
                        .setSnapshot(Protos.snapshot(snap, 0, true)).build());
                out.onCompleted();
            }
        }
    }
}
