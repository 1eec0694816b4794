package dev.kopi.daemon.core;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;

/**
 * kopid's background threads: named, so a thread dump says whose they are, and daemon threads,
 * so none of them keeps the JVM alive after the gRPC server stops.
 */
public final class DaemonThreads {
    private DaemonThreads() {
    }

    public static ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** A fixed pool of {@code size} threads. */
    public static ExecutorService pool(String name, int size) {
        return Executors.newFixedThreadPool(size, named(name));
    }

    /** A pool that grows with demand (work that mostly waits on programs). */
    public static ExecutorService cached(String name) {
        return Executors.newCachedThreadPool(named(name));
    }

    /** One thread running work in order. */
    public static ExecutorService single(String name) {
        return Executors.newSingleThreadExecutor(named(name));
    }

    /** One thread for periodic work. */
    public static ScheduledExecutorService timer(String name) {
        return Executors.newSingleThreadScheduledExecutor(named(name));
    }
}
