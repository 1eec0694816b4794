package dev.kopi.daemon.rpc;

import io.grpc.stub.StreamObserver;

import dev.kopi.daemon.auth.Caller;
import dev.kopi.daemon.status.StatusReporter;
import dev.kopi.proto.v1.CertificateAuthority;
import dev.kopi.proto.v1.GetCertificateAuthorityRequest;
import dev.kopi.proto.v1.GetStatusRequest;
import dev.kopi.proto.v1.Status;
import dev.kopi.proto.v1.StatusServiceGrpc;

/** kopi.v1.StatusService: the daemon's state, who the caller is, and the CA to pin. */
public final class StatusRpc extends StatusServiceGrpc.StatusServiceImplBase {
    private final StatusReporter status;
    private final String caPem;
    private final String apiListen;

    /**
     * @param caPem     kopid's CA certificate; empty when it has none
     * @param apiListen HOST:PORT of the TCP API; empty when it is off
     */
    public StatusRpc(StatusReporter status, String caPem, String apiListen) {
        this.status = status;
        this.caPem = caPem;
        this.apiListen = apiListen;
    }

    @Override
    public void getStatus(GetStatusRequest req, StreamObserver<Status> out) {
        Rpc.unary(out, () -> {
            Caller caller = Access.caller();
            return Protos.status(status.status(), System.currentTimeMillis()).toBuilder().setCaller(caller.name())
                    .setCallerRole(caller.role().word()).setApiListen(apiListen).build();
        });
    }

    @Override
    public void getCertificateAuthority(GetCertificateAuthorityRequest req, StreamObserver<CertificateAuthority> out) {
        Rpc.unary(out, () -> CertificateAuthority.newBuilder().setPem(caPem).build());
    }
}
