package dev.kopi.daemon.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Limits how fast one peer may guess tokens: after {@link #LIMIT} failed attempts within
 * {@link #WINDOW}, its further attempts are refused unchecked until the oldest failure leaves the
 * window. Tokens carry 256 random bits, so this is not what keeps them safe; it keeps a guessing
 * peer from costing kopid work and fills the log with one line, not millions.
 */
public final class FailedAttempts {
    public static final int LIMIT = 10;
    public static final Duration WINDOW = Duration.ofMinutes(1);
    /** Peers remembered at most; the least recently failing are forgotten first. */
    private static final int PEERS = 10_000;

    private final Clock clock;
    private final Map<String, Deque<Instant>> failures = new LinkedHashMap<>(16, 0.75f, true);

    public FailedAttempts(Clock clock) {
        this.clock = clock;
    }

    /** How long {@code peer} must wait before its next attempt is checked; zero when it may try now. */
    public synchronized Duration wait(String peer) {
        Deque<Instant> f = failures.get(peer);
        if (f == null) {
            return Duration.ZERO;
        }
        Instant now = clock.instant();
        prune(f, now);
        if (f.isEmpty()) {
            failures.remove(peer);
            return Duration.ZERO;
        }
        return f.size() < LIMIT ? Duration.ZERO : Duration.between(now, f.peekFirst().plus(WINDOW));
    }

    /** Records a failed attempt of {@code peer}. */
    public synchronized void failed(String peer) {
        Instant now = clock.instant();
        Deque<Instant> f = failures.computeIfAbsent(peer, p -> new ArrayDeque<>());
        prune(f, now);
        f.addLast(now);
        while (f.size() > LIMIT) {
            f.removeFirst();
        }
        if (failures.size() > PEERS) {
            Iterator<String> oldest = failures.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    private static void prune(Deque<Instant> f, Instant now) {
        while (!f.isEmpty() && !f.peekFirst().plus(WINDOW).isAfter(now)) {
            f.removeFirst();
        }
    }
}
