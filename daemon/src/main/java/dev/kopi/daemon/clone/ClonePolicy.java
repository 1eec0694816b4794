package dev.kopi.daemon.clone;

import java.time.Duration;

/**
 * How long clones live and how many there may be.
 *
 * @param ttl           default time to live of a new clone; zero = clones do not expire
 * @param idleTimeout   default time without client sessions after which a clone is destroyed; zero = never
 * @param max           most clones at once; zero = no limit
 * @param checkInterval how often expiry and idleness are checked
 */
public record ClonePolicy(Duration ttl, Duration idleTimeout, int max, Duration checkInterval) {
    public static final ClonePolicy DEFAULTS = new ClonePolicy(Duration.ZERO, Duration.ofHours(2), 0,
            Duration.ofSeconds(5));
}
