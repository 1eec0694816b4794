package dev.kopi.daemon.testing;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import dev.kopi.daemon.core.Trigger;
import dev.kopi.daemon.source.Sources;

/**
 * A refresh of a basebackup source held running: it is started on its own thread and stops in
 * its first progress report ("connect", before anything is made) until {@link #finish()}. Without
 * PostgreSQL binaries it then fails with FAILED_PRECONDITION, so nothing is ever run.
 */
public final class RunningRefresh implements AutoCloseable {
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicReference<Throwable> outcome = new AtomicReference<>();
    private final Thread thread;

    public RunningRefresh(Sources sources, String source) throws InterruptedException {
        thread = new Thread(() -> {
            try {
                sources.refresh(source, (phase, message, done, total) -> {
                    entered.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, Trigger.API);
            } catch (Throwable t) {
                outcome.set(t);
            }
        }, "test-refresh-" + source);
        thread.start();
        if (!entered.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the refresh of " + source + " did not start: " + outcome.get());
        }
    }

    /** Lets the refresh go on (and fail) and waits for it to end; returns what it threw. */
    public Throwable finish() throws InterruptedException {
        release.countDown();
        thread.join(10_000);
        if (thread.isAlive()) {
            throw new AssertionError("the refresh did not end");
        }
        return outcome.get();
    }

    @Override
    public void close() throws InterruptedException {
        finish();
    }
}
