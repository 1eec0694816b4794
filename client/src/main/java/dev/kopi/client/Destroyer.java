package dev.kopi.client;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Destroys clones off the caller's path, for a client: a test's clone goes while the next test
 * runs. Bounded: a few threads, and when {@link #QUEUE} destroys are waiting the caller destroys
 * its own (so a fast test suite cannot pile up clones). {@link #drain} waits for what is pending
 * when the client closes; a destroy that fails is logged, and the clone's TTL ends it.
 */
final class Destroyer {
    private static final System.Logger LOG = System.getLogger(Destroyer.class.getName());
    static final int THREADS = 4;
    static final int QUEUE = 64;

    private final ThreadPoolExecutor executor;
    /** Destroys submitted and not yet ended; guarded by this. */
    private int pending;

    Destroyer() {
        AtomicInteger n = new AtomicInteger();
        executor = new ThreadPoolExecutor(THREADS, THREADS, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "kopi-destroy-" + n.incrementAndGet());
            t.setDaemon(true); // never keeps a JVM alive: drain, and the TTL, see to the rest
            return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
        executor.allowCoreThreadTimeOut(true);
    }

    /** Runs {@code destroy} in the background (or now, when the queue is full); the future ends with it. */
    CompletableFuture<Void> submit(String clone, Runnable destroy) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (this) {
            pending++;
        }
        Runnable task = () -> {
            try {
                destroy.run();
                done.complete(null);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "clone " + clone + " was not destroyed (its TTL will end it): " + e.getMessage());
                done.completeExceptionally(e);
            } finally {
                synchronized (this) {
                    pending--;
                    notifyAll();
                }
            }
        };
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) { // drained already: the client is closing
            task.run();
        }
        return done;
    }

    /**
     * Waits up to {@code patience} for the destroys pending now to end, without closing; false
     * at once when none is pending (so there is nothing to wait for).
     */
    synchronized boolean settle(Duration patience) {
        if (pending == 0) {
            return false;
        }
        long deadline = System.nanoTime() + patience.toNanos();
        try {
            while (pending > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    /** Waits up to {@code patience} for pending destroys; returns how many were left unfinished. */
    int drain(Duration patience) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(patience.toMillis(), TimeUnit.MILLISECONDS)) {
                int left = executor.shutdownNow().size() + executor.getActiveCount();
                LOG.log(Level.WARNING, left + " clone destroy(s) still pending after " + patience
                        + "; their TTLs will end them");
                return left;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
