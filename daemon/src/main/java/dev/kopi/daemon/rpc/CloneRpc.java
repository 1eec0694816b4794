package dev.kopi.daemon.rpc;

import io.grpc.stub.StreamObserver;

import dev.kopi.daemon.auth.Caller;
import dev.kopi.daemon.clone.Clones;
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

    public CloneRpc(Clones clones) {
        this.clones = clones;
    }

    @Override
    public void createClone(CreateCloneRequest req, StreamObserver<Clone> out) {
        Rpc.unary(out, () -> {
            if (req.getProtect()) {
                Access.requireAdmin("a protected clone (exempt from expiry)");
            }
            return Protos.clone(clones.create(Requests.clone(req).ownedBy(Access.caller().name())));
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
