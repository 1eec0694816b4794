package dev.kopi.client;

import java.time.Duration;
import java.time.Instant;

/**
 * A clone as listed by {@link KopiClient#clones()}: a plain value without credentials. Use
 * {@link KopiClient#getClone(String)} for a handle that connects, resets or destroys it.
 *
 * @param name          the clone's name
 * @param snapshot      the exact snapshot it was made from, {@code SOURCE@TAG}
 * @param state         its lifecycle state
 * @param message       why it is not running, when it is not; else empty
 * @param host          host its Postgres listens on
 * @param port          port its Postgres listens on
 * @param database      database a connection uses by default
 * @param createdAt     when it was made; null if kopid did not say
 * @param expiresAt     when kopid destroys it; null when it never expires
 * @param idleTimeout   time without sessions after which kopid destroys it; zero = never
 * @param isProtected   exempt from expiry and idle reaping
 * @param usedBytes     bytes written beyond its snapshot; -1 when the pool cannot tell
 * @param resetCount    how often it was reset
 */
public record CloneInfo(String name, String snapshot, State state, String message, String host, int port,
                        String database, Instant createdAt, Instant expiresAt, Duration idleTimeout,
                        boolean isProtected, long usedBytes, int resetCount) {

    /** Lifecycle of a clone as kopid reports it. */
    public enum State {
        /** Being made. */
        CREATING,
        /** Postgres is up. */
        RUNNING,
        /** The volume exists but Postgres could not be (re)started; see {@link CloneInfo#message()}. */
        FAILED,
        /** Being destroyed. */
        DESTROYING,
        /** Being reset to a snapshot. */
        RESETTING,
        /** A state this client does not know (a newer kopid). */
        UNKNOWN
    }

    static CloneInfo of(dev.kopi.proto.v1.Clone c) {
        return new CloneInfo(c.getName(), c.getSnapshot(), state(c.getState()), c.getMessage(), c.getHost(),
                c.getPort(), c.getDatabase(), Timestamps.parse(c.getCreatedAt()), Timestamps.parse(c.getExpiresAt()),
                Duration.ofSeconds(c.getIdleTimeoutSeconds()), c.getProtected(), c.getUsedBytes(), c.getResetCount());
    }

    private static State state(dev.kopi.proto.v1.CloneState s) {
        return switch (s) {
            case CLONE_STATE_CREATING -> State.CREATING;
            case CLONE_STATE_RUNNING -> State.RUNNING;
            case CLONE_STATE_FAILED -> State.FAILED;
            case CLONE_STATE_DESTROYING -> State.DESTROYING;
            case CLONE_STATE_RESETTING -> State.RESETTING;
            default -> State.UNKNOWN;
        };
    }
}
