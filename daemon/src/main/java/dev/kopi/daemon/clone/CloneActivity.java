package dev.kopi.daemon.clone;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.kopi.daemon.catalog.CloneRecord;

/**
 * When each clone last had a client session (or was made, reset or adopted), and its idle
 * timeout. In memory only: a restart restarts the idle clock, which errs towards keeping clones.
 */
final class CloneActivity {
    private final Map<String, Instant> lastActive = new ConcurrentHashMap<>();
    private final ClonePolicy policy;
    private final Clock clock;

    CloneActivity(ClonePolicy policy, Clock clock) {
        this.policy = policy;
        this.clock = clock;
    }

    /** When the clone last had a session, as far as this daemon run knows (its start at the earliest). */
    Instant lastActive(CloneRecord r) {
        return lastActive.computeIfAbsent(r.name(), n -> clock.instant());
    }

    /** Notes that the clone has client sessions at {@code at}. */
    void touch(String name, Instant at) {
        lastActive.put(name, at);
    }

    void forget(String name) {
        lastActive.remove(name);
    }

    /** The idle timeout in force for a clone: its own, else the configured default. */
    Duration idleTimeout(CloneRecord r) {
        return r.idleTimeout() == null ? policy.idleTimeout() : r.idleTimeout();
    }
}
