package dev.kopi.daemon.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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

    /**
     * One event. {@code reason} is the word of its {@link Reason}, e.g. why a clone was destroyed;
     * {@code took} how long the operation took where it was timed (a clone's request to ready, a
     * refresh), else zero: metrics are made from it, so nobody parses it out of the message.
     */
    public record Event(long seq, Instant at, EventKind kind, String name, String reason, String message,
                        Duration took) {
        /** An event that was not timed. */
        public Event(long seq, Instant at, EventKind kind, String name, String reason, String message) {
            this(seq, at, kind, name, reason, message, Duration.ZERO);
        }
    }

    /** A live subscription; close it to stop receiving. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private final Clock clock;
    private final Deque<Event> history = new ArrayDeque<>();
    private final List<Consumer<Event>> watchers = new CopyOnWriteArrayList<>();
    private long seq;

    public Events(Clock clock) {
        this.clock = clock;
    }

    public void publish(EventKind kind, String name, Reason reason, String message) {
        publish(kind, name, reason, message, Duration.ZERO);
    }

    /** Publishes an event about an operation that took {@code took}. */
    public void publish(EventKind kind, String name, Reason reason, String message, Duration took) {
        Event e;
        synchronized (this) {
            e = new Event(++seq, clock.instant(), kind, name, reason == null ? "" : reason.word(),
                    message == null ? "" : message, took == null ? Duration.ZERO : took);
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
