package dev.kopi.daemon.rpc;

import io.grpc.stub.StreamObserver;

import dev.kopi.daemon.status.StatusReporter;
import dev.kopi.proto.v1.GetStatusRequest;
import dev.kopi.proto.v1.Status;
import dev.kopi.proto.v1.StatusServiceGrpc;

/** kopi.v1.StatusService. */
public final class StatusRpc extends StatusServiceGrpc.StatusServiceImplBase {
    private final StatusReporter status;

    public StatusRpc(StatusReporter status) {
        this.status = status;
    }

    @Override
    public void getStatus(GetStatusRequest req, StreamObserver<Status> out) {
        Rpc.unary(out, () -> Protos.status(status.status(), System.currentTimeMillis()));
    }
}
