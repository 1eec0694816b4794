package dev.kopi.it;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import dev.kopi.sys.Mounts;
import dev.kopi.sys.Posix;

/**
 * Removes what a test run leaves on the machine: postgres processes working below its run
 * directory, mounts below it (loop devices detach themselves: autoclear), its ZFS pool. Called
 * by every fixture's teardown, and at the start of a run for earlier runs whose JVM died before
 * it could clean up (the way Testcontainers reaps by a run label).
 */
final class Reaper {
    private Reaper() {
    }

    static void reapStale() throws IOException {
        List<Path> stale = new ArrayList<>();
        try (DirectoryStream<Path> dirs = RunDir.all()) {
            for (Path d : dirs) {
                if (RunDir.isStale(d)) {
                    stale.add(d);
                }
            }
        }
        for (Path d : stale) {
            reap(d, "kopiit" + d.getFileName().toString().substring(RunDir.PREFIX.length()));
            try (var s = Files.walk(d)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Kills postgres below {@code dir}, destroys {@code zpool} if it exists, unmounts below {@code dir}. */
    static void reap(Path dir, String zpool) {
        killPostgresUnder(dir);
        if (Sh.run("zpool", "list", "-H", "-o", "name", zpool).ok()) {
            Sh.run("zpool", "destroy", "-f", zpool);
        }
        try {
            List<Mounts.Mount> mounts = new ArrayList<>(Mounts.list());
            mounts.sort(Comparator.comparing((Mounts.Mount m) -> m.mountPoint().getNameCount()).reversed());
            for (Mounts.Mount m : mounts) {
                if (m.mountPoint().startsWith(dir)) {
                    Mounts.unmount(m.mountPoint(), Mounts.MNT_DETACH);
                }
            }
        } catch (IOException e) {
            System.err.println("reaper: could not unmount below " + dir + ": " + e.getMessage());
        }
    }

    /** Any process whose working directory is below {@code dir}: postmasters chdir into their data directory. */
    static void killPostgresUnder(Path dir) {
        List<Long> victims = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : procs) {
                try {
                    Path cwd = Files.readSymbolicLink(p.resolve("cwd"));
                    if (cwd.startsWith(dir) && Files.readString(p.resolve("comm")).strip().startsWith("postgres")) {
                        victims.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException | RuntimeException gone) {
                    // raced with exit, or a kernel thread
                }
            }
        } catch (IOException e) {
            return;
        }
        for (long pid : victims) {
            try {
                Posix.kill(pid, Posix.SIGKILL);
            } catch (IOException ignored) {
                // already gone
            }
        }
        for (long pid : victims) {
            ProcessHandle.of(pid).ifPresent(h -> h.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS));
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline && victims.stream().anyMatch(v -> Files.exists(Path.of("/proc/" + v)))) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
