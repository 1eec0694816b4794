package dev.kopi.daemon.rpc;

import io.grpc.stub.StreamObserver;

import dev.kopi.daemon.auth.Caller;
import java.util.Optional;

import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.clone.Clones;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.source.PointInTime;
import dev.kopi.daemon.source.Progress;
import dev.kopi.daemon.source.Sources;
import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CloneServiceGrpc;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.proto.v1.DestroyCloneResponse;
import dev.kopi.proto.v1.ExtendCloneRequest;
import dev.kopi.proto.v1.GetCloneRequest;
import dev.kopi.proto.v1.ListClonesRequest;
import dev.kopi.proto.v1.ListClonesResponse;
import dev.kopi.proto.v1.ProtectCloneRequest;
import dev.kopi.proto.v1.ResetCloneRequest;

/**
 * kopi.v1.CloneService: translates, and keeps users to their own clones ({@link Access}): a
 * clone records who made it, a user sees and changes only those.
 */
public final class CloneRpc extends CloneServiceGrpc.CloneServiceImplBase {
    private final Clones clones;
    private final Sources sources;

    /** @param sources makes the point-in-time snapshots that clones with {@code at} or {@code lsn} come from */
    public CloneRpc(Clones clones, Sources sources) {
        this.clones = clones;
        this.sources = sources;
    }

    @Override
    public void createClone(CreateCloneRequest req, StreamObserver<Clone> out) {
        Rpc.unary(out, () -> {
            if (req.getProtect()) {
                Access.requireAdmin("a protected clone (exempt from expiry)");
            }
            CreateCloneRequest r = req;
            Optional<PointInTime> at = Requests.pointInTime(req.getAt(), req.getLsn());
            if (at.isPresent()) {
                SnapshotRef source = SnapshotRef.parse(req.getSnapshot());
                if (source.exact()) {
                    throw KopiException.invalid("a point-in-time clone names a source, not a snapshot: '"
                            + source.source() + "' rather than '" + req.getSnapshot() + "'");
                }
                Requests.clone(req); // the rest is checked before anything is made
                SnapshotRecord snap = sources.pointInTime(source.source(), at.get(), Progress.NONE);
                r = req.toBuilder().setSnapshot(snap.name()).build();
            }
            return Protos.clone(clones.create(Requests.clone(r).ownedBy(Access.caller().name())));
        });
    }

    @Override
    public void getClone(GetCloneRequest req, StreamObserver<Clone> out) {
        Rpc.unary(out, () -> Protos.clone(Access.own(clones.get(req.getName()))));
    }

    @Override
    public void listClones(ListClonesRequest req, StreamObserver<ListClonesResponse> out) {
        Rpc.unary(out, () -> {
            ListClonesResponse.Builder b = ListClonesResponse.newBuilder();
            Caller caller = Access.caller();
            clones.list(Requests.snapshot(req.getSnapshot())).stream().filter(v -> caller.mayUse(v.record().owner()))
                    .forEach(v -> b.addClones(Protos.clone(v)));
            return b.build();
        });
    }

    @Override
    public void destroyClone(DestroyCloneRequest req, StreamObserver<DestroyCloneResponse> out) {
        Rpc.unary(out, () -> {
            Access.requireOwn(clones, req.getName());
            clones.destroy(req.getName());
            return DestroyCloneResponse.newBuilder().setName(req.getName()).build();
        });
    }

    @Override
    public void resetClone(ResetCloneRequest req, StreamObserver<Clone> out) {
        Rpc.unary(out, () -> {
            Access.requireOwn(clones, req.getName());
            return Protos.clone(clones.reset(req.getName(), Requests.snapshot(req.getTo()), req.getLatest()));
        });
    }

    @Override
    public void extendClone(ExtendCloneRequest req, StreamObserver<Clone> out) {
        Rpc.unary(out, () -> {
            Access.requireOwn(clones, req.getName());
            return Protos.clone(clones.extend(req.getName(), Requests.extension(req.getName(), req.getBy())));
        });
    }

    @Override
    public void protectClone(ProtectCloneRequest req, StreamObserver<Clone> out) {
        Rpc.unary(out, () -> Protos.clone(clones.protect(req.getName(), req.getProtect())));
    }
}
