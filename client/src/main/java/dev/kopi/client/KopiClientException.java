package dev.kopi.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The one exception the Kopi client throws for failed calls. Its message is kopid's own
 * description (written for people, e.g. {@code snapshot 'prod' not found}), or for transport
 * failures a sentence naming the socket; {@link #kind()} says what went wrong in a way code can
 * branch on.
 */
public class KopiClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong; mirrors the gRPC status codes kopid uses. */
    public enum Kind {
        /** A bad name or value; nothing was changed. */
        INVALID_ARGUMENT,
        /** No such source, snapshot or clone. */
        NOT_FOUND,
        /** The name is taken. */
        ALREADY_EXISTS,
        /** The request is valid but the current state forbids it. */
        FAILED_PRECONDITION,
        /** No free port, the pool is full, or the clone limit is reached. */
        RESOURCE_EXHAUSTED,
        /** kopid cannot be reached, or it or one of its dependencies is not ready. */
        UNAVAILABLE,
        /** kopid did not answer in time. */
        DEADLINE_EXCEEDED,
        /** The caller may not use kopid (e.g. no permission on its socket). */
        PERMISSION_DENIED,
        /** The call was cancelled, e.g. because the calling thread was interrupted. */
        CANCELLED,
        /** kopid does not know the call: it is older than this client. */
        UNIMPLEMENTED,
        /** A bug or an unexpected system failure in kopid. */
        INTERNAL,
        /** Anything else. */
        UNKNOWN
    }

    private final Kind kind;

    /**
     * @param kind    what went wrong
     * @param message a sentence a person can act on
     * @param cause   the underlying failure, or null
     */
    public KopiClientException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** What went wrong. */
    public Kind kind() {
        return kind;
    }

    /**
     * The one place gRPC failures become client exceptions.
     *
     * @param e      the failed call
     * @param target where the client is connected (a socket path), for transport errors
     */
    static KopiClientException from(StatusRuntimeException e, String target) {
        Status status = e.getStatus();
        Kind kind = kind(status.getCode());
        String description = status.getDescription();
        boolean fromServer = description != null && !description.isBlank() && status.getCause() == null;
        String message;
        if (fromServer && kind != Kind.UNIMPLEMENTED) {
            message = description;
        } else {
            String detail = description == null || description.isBlank()
                    ? status.getCode().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    : description;
            if (status.getCause() != null && status.getCause().getMessage() != null) {
                detail += ": " + status.getCause().getMessage();
            }
            message = switch (kind) {
                case UNAVAILABLE -> "cannot reach kopid at " + target + ": " + detail;
                case DEADLINE_EXCEEDED -> "kopid at " + target + " did not answer in time: " + detail;
                case UNIMPLEMENTED -> "kopid at " + target + " does not support this call (is it older than"
                        + " the client?): " + detail;
                default -> detail;
            };
        }
        return new KopiClientException(kind, message, e);
    }

    static Kind kind(Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT, OUT_OF_RANGE -> Kind.INVALID_ARGUMENT;
            case NOT_FOUND -> Kind.NOT_FOUND;
            case ALREADY_EXISTS -> Kind.ALREADY_EXISTS;
            case FAILED_PRECONDITION, ABORTED -> Kind.FAILED_PRECONDITION;
            case RESOURCE_EXHAUSTED -> Kind.RESOURCE_EXHAUSTED;
            case UNAVAILABLE -> Kind.UNAVAILABLE;
            case DEADLINE_EXCEEDED -> Kind.DEADLINE_EXCEEDED;
            case PERMISSION_DENIED, UNAUTHENTICATED -> Kind.PERMISSION_DENIED;
            case CANCELLED -> Kind.CANCELLED;
            case UNIMPLEMENTED -> Kind.UNIMPLEMENTED;
            case INTERNAL, DATA_LOSS -> Kind.INTERNAL;
            case UNKNOWN, OK -> Kind.UNKNOWN;
        };
    }
}
