package dev.kopi.daemon.rpc;

import java.util.logging.Level;
import java.util.logging.Logger;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import dev.kopi.daemon.core.KopiException;

/** The one place domain errors become gRPC status codes. */
public final class Errors {
    private static final Logger LOG = Logger.getLogger(Errors.class.getName());

    private Errors() {
    }

    public static StatusRuntimeException toStatus(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        if (t instanceof KopiException k) {
            Status code = switch (k.kind()) {
                case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
                case NOT_FOUND -> Status.NOT_FOUND;
                case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
                case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
                case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
                case UNAVAILABLE -> Status.UNAVAILABLE;
                case INTERNAL -> Status.INTERNAL;
                case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
                case UNAUTHENTICATED -> Status.UNAUTHENTICATED;
            };
            if (k.kind() == KopiException.Kind.INTERNAL) {
                LOG.log(Level.WARNING, k.getMessage(), k);
            }
            return code.withDescription(k.getMessage()).asRuntimeException();
        }
        // A bug: say so plainly, keep the trace in kopid's log.
        LOG.log(Level.SEVERE, "unexpected error", t);
        return Status.INTERNAL.withDescription("internal error in kopid: " + t + " (details in kopid's log)")
                .asRuntimeException();
    }
}
