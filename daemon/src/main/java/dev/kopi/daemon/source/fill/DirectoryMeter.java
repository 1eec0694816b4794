package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.kopi.daemon.source.Progress;

/**
 * Reports the progress of a tool that fills a directory (pg_basebackup, pg_dump, pg_restore) by
 * measuring the directory once a second: the tools' own progress output is made for terminals,
 * and bytes on disk are what a person waiting on a refresh cares about.
 */
final class DirectoryMeter implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kopid-refresh-meter");
        t.setDaemon(true);
        return t;
    });

    /**
     * Starts measuring {@code dir}: every second reports (phase, message, bytes in it minus
     * {@code baseline}, total) to {@code progress}. {@code total} 0 means unknown.
     */
    DirectoryMeter(Path dir, long baseline, long total, Progress progress, String phase, String message) {
        timer.scheduleWithFixedDelay(() -> {
            long done = Math.max(0, size(dir) - baseline);
            progress.report(phase, message, total > 0 ? Math.min(done, total) : done, total);
        }, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Bytes in the regular files below {@code dir}; files vanishing meanwhile are skipped. */
    static long size(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.mapToLong(DirectoryMeter::fileSize).sum();
        } catch (NoSuchFileException | UncheckedIOException e) {
            return 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static long fileSize(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return a.isRegularFile() ? a.size() : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
