package dev.kopi.client;

import java.util.Locale;

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
        /**
         * The caller may not do this: no permission on kopid's socket, a user token on another
         * owner's clone or on what needs an admin.
         */
        PERMISSION_DENIED,
        /** kopid's TCP API did not accept the token (none, wrong, or revoked). */
        UNAUTHENTICATED,
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
     * What kopid said: the description of the failed call's status, or its code in words
     * ({@code resource exhausted}) when it gave none; never the socket or a local cause. For a
     * failure that is not a call's status (a socket that does not exist), the message.
     */
    public String reason() {
        Status status = status();
        return status == null ? getMessage() : reason(status);
    }

    /**
     * Why a call got no answer from kopid: the local failure gRPC reports with the status (the
     * connection was refused, the thread was interrupted, ...); null when kopid itself answered
     * with the error, and for failures that are not a call's status.
     */
    public Throwable transportFailure() {
        Status status = status();
        return status == null ? null : status.getCause();
    }

    /**
     * The one place gRPC failures become client exceptions (kopictl words its one-line errors
     * from the same {@link #kind()}, {@link #reason()} and {@link #transportFailure()}).
     *
     * @param e      the failed call
     * @param target where the client is connected (a socket path), for transport errors
     */
    public static KopiClientException from(StatusRuntimeException e, String target) {
        Status status = e.getStatus();
        Kind kind = kind(status.getCode());
        String reason = reason(status);
        Throwable local = status.getCause();
        boolean fromServer = hasDescription(status) && local == null;
        String message;
        if (fromServer && kind != Kind.UNIMPLEMENTED) {
            message = reason;
        } else {
            String detail = local != null && local.getMessage() != null ? reason + ": " + local.getMessage() : reason;
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

    /** The status of the failed call this exception wraps, or null. */
    private Status status() {
        return getCause() instanceof StatusRuntimeException s ? s.getStatus() : null;
    }

    private static String reason(Status status) {
        return hasDescription(status) ? status.getDescription()
                : status.getCode().name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    private static boolean hasDescription(Status status) {
        return status.getDescription() != null && !status.getDescription().isBlank();
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
            case PERMISSION_DENIED -> Kind.PERMISSION_DENIED;
            case UNAUTHENTICATED -> Kind.UNAUTHENTICATED;
            case CANCELLED -> Kind.CANCELLED;
            case UNIMPLEMENTED -> Kind.UNIMPLEMENTED;
            case INTERNAL, DATA_LOSS -> Kind.INTERNAL;
            case UNKNOWN, OK -> Kind.UNKNOWN;
        };
    }
}
