package dev.kopi.daemon.rpc;

import java.time.Duration;

import io.grpc.stub.StreamObserver;

import dev.kopi.daemon.auth.Caller;
import dev.kopi.daemon.catalog.PreparedKey;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.clone.CloneRequest;
import dev.kopi.daemon.clone.Clones;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Names;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.snapshot.PreparedSnapshots;
import dev.kopi.daemon.snapshot.Snapshots;
import dev.kopi.daemon.source.PointInTime;
import dev.kopi.daemon.source.Progress;
import dev.kopi.daemon.source.Sources;
import dev.kopi.proto.v1.AbandonPreparedSnapshotRequest;
import dev.kopi.proto.v1.AbandonPreparedSnapshotResponse;
import dev.kopi.proto.v1.CreatePointInTimeSnapshotRequest;
import dev.kopi.proto.v1.CreateSnapshotRequest;
import dev.kopi.proto.v1.DeleteSnapshotRequest;
import dev.kopi.proto.v1.DeleteSnapshotResponse;
import dev.kopi.proto.v1.FinishPreparedSnapshotRequest;
import dev.kopi.proto.v1.ListSnapshotsRequest;
import dev.kopi.proto.v1.ListSnapshotsResponse;
import dev.kopi.proto.v1.PrepareSnapshotRequest;
import dev.kopi.proto.v1.PrepareSnapshotResponse;
import dev.kopi.proto.v1.Snapshot;
import dev.kopi.proto.v1.SnapshotServiceGrpc;

/**
 * kopi.v1.SnapshotService: translates; a user snapshots only their own clones, and prepares
 * snapshots in a scope of their own ({@link Access}).
 */
public final class SnapshotRpc extends SnapshotServiceGrpc.SnapshotServiceImplBase {
    private final Snapshots snapshots;
    private final PreparedSnapshots prepared;
    private final Clones clones;
    private final Sources sources;

    public SnapshotRpc(Snapshots snapshots, PreparedSnapshots prepared, Clones clones, Sources sources) {
        this.snapshots = snapshots;
        this.prepared = prepared;
        this.clones = clones;
        this.sources = sources;
    }

    @Override
    public void createPointInTimeSnapshot(CreatePointInTimeSnapshotRequest req, StreamObserver<Snapshot> out) {
        Rpc.unary(out, () -> {
            Names.require("source", req.getSource());
            PointInTime at = Requests.pointInTime(req.getAt(), req.getLsn()).orElseThrow(() -> KopiException.invalid(
                    "give the moment: at (RFC 3339) or lsn"));
            SnapshotRecord s = sources.pointInTime(req.getSource(), at, Progress.NONE);
            return Protos.snapshot(s, 0, false);
        });
    }

    @Override
    public void prepareSnapshot(PrepareSnapshotRequest req, StreamObserver<PrepareSnapshotResponse> out) {
        Rpc.unary(out, () -> {
            Caller caller = Access.caller();
            PreparedKey key = new PreparedKey(req.getKey(), caller.admin() ? PreparedKey.ADMINS : caller.name());
            SnapshotRef base = SnapshotRef.parse(req.getBase());
            Duration ttl = Requests.duration("ttl", req.getTtl());
            PreparedSnapshots.Outcome o = prepared.prepare(base, key, Duration.ofSeconds(Math.max(0,
                    req.getWaitSeconds())), exact -> clones.create(CloneRequest.of(exact).living(ttl, null)
                    .ownedBy(caller.name())));
            PrepareSnapshotResponse.Builder b = PrepareSnapshotResponse.newBuilder();
            if (o.ready() != null) {
                b.setSnapshot(Protos.snapshot(o.ready()));
            } else if (o.build() != null) {
                b.setBuild(Protos.clone(o.build()));
            } else {
                b.setWaitingFor(o.waitingFor());
            }
            return b.build();
        });
    }

    @Override
    public void finishPreparedSnapshot(FinishPreparedSnapshotRequest req, StreamObserver<Snapshot> out) {
        Rpc.unary(out, () -> {
            Access.requireOwn(clones, req.getClone());
            return Protos.snapshot(prepared.finish(req.getClone()));
        });
    }

    @Override
    public void abandonPreparedSnapshot(AbandonPreparedSnapshotRequest req,
                                        StreamObserver<AbandonPreparedSnapshotResponse> out) {
        Rpc.unary(out, () -> {
            Access.requireOwn(clones, req.getClone());
            prepared.abandon(req.getClone());
            return AbandonPreparedSnapshotResponse.getDefaultInstance();
        });
    }

    @Override
    public void listSnapshots(ListSnapshotsRequest req, StreamObserver<ListSnapshotsResponse> out) {
        Rpc.unary(out, () -> {
            ListSnapshotsResponse.Builder b = ListSnapshotsResponse.newBuilder();
            snapshots.list(req.getSource()).forEach(v -> b.addSnapshots(Protos.snapshot(v)));
            return b.build();
        });
    }

    @Override
    public void createSnapshot(CreateSnapshotRequest req, StreamObserver<Snapshot> out) {
        Rpc.unary(out, () -> {
            Access.requireOwn(clones, req.getClone());
            return Protos.snapshot(snapshots.branch(req.getClone(), req.getName(), req.getMessage()));
        });
    }

    @Override
    public void deleteSnapshot(DeleteSnapshotRequest req, StreamObserver<DeleteSnapshotResponse> out) {
        Rpc.unary(out, () -> {
            Snapshots.Deleted d = snapshots.delete(SnapshotRef.parse(req.getName()), req.getForce());
            return DeleteSnapshotResponse.newBuilder().setName(d.name()).addAllDestroyedClones(d.destroyedClones()).build();
        });
    }
}
