package dev.kopi.daemon.clone;

import java.time.Duration;
import java.time.Instant;

import dev.kopi.daemon.catalog.CloneRecord;

/**
 * How long a new clone lives, defaults applied.
 *
 * @param ttl         time to live from its creation; zero for never
 * @param idleTimeout time without sessions before it goes; zero for never
 * @param protect     exempt from both
 */
record Lifetime(Duration ttl, Duration idleTimeout, boolean protect) {
    static Lifetime of(CloneRequest request, ClonePolicy policy) {
        return new Lifetime(request.ttl() != null ? request.ttl() : policy.ttl(),
                request.idleTimeout() != null ? request.idleTimeout() : policy.idleTimeout(), request.protect());
    }

    /** Warm clones are never reaped while warm; their caller's lifetime applies once handed out. */
    static final Lifetime WARM = new Lifetime(Duration.ZERO, Duration.ZERO, false);

    /** {@code r} with this lifetime, counted from {@code now}. */
    CloneRecord applyTo(CloneRecord r, Instant now) {
        return r.withExpiry(ttl.isZero() ? null : now.plus(ttl)).withIdleTimeout(idleTimeout).withProtect(protect);
    }
}
