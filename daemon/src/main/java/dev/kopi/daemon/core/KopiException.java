package dev.kopi.daemon.core;

/**
 * A failure at the domain edge, typed by what the caller can do about it. The gRPC layer maps
 * each {@link Kind} to one status code in one place ({@code rpc.Errors}); the message is shown
 * to a person as is, so it says what went wrong and what to do.
 */
public class KopiException extends RuntimeException {
    /** What kind of failure this is; decides the gRPC status code. */
    public enum Kind {
        INVALID_ARGUMENT,
        NOT_FOUND,
        ALREADY_EXISTS,
        FAILED_PRECONDITION,
        RESOURCE_EXHAUSTED,
        UNAVAILABLE,
        INTERNAL,
        /** The caller is known but may not do this (a user token on another owner's clone). */
        PERMISSION_DENIED,
        /** The caller could not be identified (no token, or a wrong one). */
        UNAUTHENTICATED
    }

    private final Kind kind;

    public KopiException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public KopiException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static KopiException invalid(String message) {
        return new KopiException(Kind.INVALID_ARGUMENT, message);
    }

    public static KopiException notFound(String message) {
        return new KopiException(Kind.NOT_FOUND, message);
    }

    public static KopiException exists(String message) {
        return new KopiException(Kind.ALREADY_EXISTS, message);
    }

    public static KopiException precondition(String message) {
        return new KopiException(Kind.FAILED_PRECONDITION, message);
    }

    public static KopiException exhausted(String message) {
        return new KopiException(Kind.RESOURCE_EXHAUSTED, message);
    }

    public static KopiException unavailable(String message) {
        return new KopiException(Kind.UNAVAILABLE, message);
    }

    public static KopiException denied(String message) {
        return new KopiException(Kind.PERMISSION_DENIED, message);
    }

    public static KopiException unauthenticated(String message) {
        return new KopiException(Kind.UNAUTHENTICATED, message);
    }

    public static KopiException internal(String message, Throwable cause) {
        return new KopiException(Kind.INTERNAL, message, cause);
    }
}
