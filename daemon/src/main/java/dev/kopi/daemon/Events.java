package dev.kopi.daemon;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * What happened to clones, snapshots and refreshes, for {@code kopictl events}: published to
 * the current watchers and kept in a bounded history so a watcher can start with the recent
 * past. Publishing never blocks the operation that publishes: a watcher must hand events off
 * quickly (the gRPC layer queues them per stream).
 */
public final class Events {
    private static final Logger LOG = Logger.getLogger(Events.class.getName());
    private static final int HISTORY = 1000;

    /** One event. {@code reason} says why a clone was destroyed: user, ttl, idle, snapshot-deleted. */
    public record Event(long seq, String at, String kind, String name, String reason, String message) {
    }

    /** A live subscription; close it to stop receiving. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    public static final String CLONE_CREATED = "clone.created";
    public static final String CLONE_RESET = "clone.reset";
    public static final String CLONE_DESTROYED = "clone.destroyed";
    public static final String SNAPSHOT_CREATED = "snapshot.created";
    public static final String SNAPSHOT_DELETED = "snapshot.deleted";
    public static final String REFRESH_OK = "refresh.ok";
    public static final String REFRESH_FAILED = "refresh.failed";
    /** A scheduled refresh that found the previous one still running. */
    public static final String REFRESH_SKIPPED = "refresh.skipped";

    private final Clock clock;
    private final Deque<Event> history = new ArrayDeque<>();
    private final List<Consumer<Event>> watchers = new CopyOnWriteArrayList<>();
    private long seq;

    public Events(Clock clock) {
        this.clock = clock;
    }

    public void publish(String kind, String name, String reason, String message) {
        Event e;
        synchronized (this) {
            e = new Event(++seq, clock.instant().toString(), kind, name, reason == null ? "" : reason,
                    message == null ? "" : message);
            history.addLast(e);
            if (history.size() > HISTORY) {
                history.removeFirst();
            }
            // Delivered under the lock so every watcher sees events in sequence order.
            for (Consumer<Event> w : watchers) {
                try {
                    w.accept(e);
                } catch (RuntimeException ex) {
                    LOG.warning("event watcher failed: " + ex.getMessage());
                }
            }
        }
    }

    /**
     * Replays up to {@code replay} recent events to {@code watcher}, then delivers new ones until
     * the subscription is closed; no event is missed or repeated between the two.
     */
    public synchronized Subscription watch(int replay, Consumer<Event> watcher) {
        List<Event> recent = new ArrayList<>(history);
        for (Event e : recent.subList(Math.max(0, recent.size() - Math.max(0, replay)), recent.size())) {
            watcher.accept(e);
        }
        watchers.add(watcher);
        return () -> watchers.remove(watcher);
    }

    /** The recent history, oldest first (for tests and diagnostics). */
    public synchronized List<Event> recent() {
        return List.copyOf(history);
    }
}
