package dev.kopi.daemon.postgres;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.storage.StorageErrors;
import dev.kopi.sys.Posix;
import dev.kopi.sys.SysException;

/**
 * Starts and stops postgres processes as the unprivileged OS user. Start returns once the
 * postmaster reports "ready", within postgres.start_timeout of its start or, while it replays
 * WAL, of its recovery's last progress; stop is fast shutdown, then immediate, then kill, each
 * step time-bounded.
 */
public final class Postmaster {
    private static final Logger LOG = Logger.getLogger(Postmaster.class.getName());
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    /** However long recovery keeps making progress, a start gives up after this. */
    private static final Duration RECOVERY_MAX = Duration.ofHours(6);
    private static final long LOOK_NANOS = 1_000_000_000L;

    private final ProcessRunner runner;
    private final PgBinaries binaries;
    private final OsUser user;
    private final Duration startTimeout;
    private final Duration stopTimeout;

    public Postmaster(ProcessRunner runner, PgBinaries binaries, OsUser user, Duration startTimeout,
                      Duration stopTimeout) {
        this.runner = runner;
        this.binaries = binaries;
        this.user = user;
        this.startTimeout = startTimeout;
        this.stopTimeout = stopTimeout;
    }

    /** What runs programs for kopid: also used to end a clone identity's processes. */
    ProcessRunner runner() {
        return runner;
    }

    public OsUser user() {
        return user;
    }

    public PgBinaries binaries() {
        return binaries;
    }

    /**
     * Starts postgres and waits until it accepts connections; returns the postmaster's pid.
     * On failure nothing is left running and the error quotes the server's log.
     */
    long start(Launch spec) {
        Path postgres = binaries.tool(spec.version(), "postgres");
        List<String> argv = new ArrayList<>();
        argv.add(postgres.toString());
        argv.add("-D");
        argv.add(spec.dataDir().toString());
        setting(argv, "port", Integer.toString(spec.port()));
        setting(argv, "listen_addresses", spec.listen());
        setting(argv, "unix_socket_directories", spec.socketDir().toString());
        setting(argv, "unix_socket_permissions", "0700");
        setting(argv, "hba_file", spec.hbaFile().toString());
        // A clone must never ship WAL to the source's archive, nor log into the source's log dir.
        setting(argv, "archive_mode", "off");
        setting(argv, "logging_collector", "off");
        setting(argv, "cluster_name", spec.label());
        for (Map.Entry<String, String> e : spec.settings().entrySet()) {
            setting(argv, e.getKey(), e.getValue());
        }
        long logStart = size(spec.logFile());
        Process process;
        try {
            process = runner.spawn(spec.user().wrap(argv), spec.logFile());
        } catch (IOException e) {
            throw KopiException.internal("cannot start postgres for " + spec.label() + ": " + e.getMessage(), e);
        }
        DataDirectory dd = new DataDirectory(spec.dataDir());
        long begun = System.nanoTime();
        long deadline = begun + startTimeout.toNanos();
        long nextLook = begun + LOOK_NANOS;
        RecoveryProgress recovery = spec.replays() ? new RecoveryProgress(spec.logFile(), logStart) : null;
        boolean ready = false;
        try {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw startFailed(spec, "exited with code " + process.exitValue(), logStart);
                }
                if ((spec.standby() ? dd.readyAsStandby() : dd.ready())
                        && dd.runningPid().map(p -> p == process.pid()).orElse(false)) {
                    ready = true;
                    return process.pid();
                }
                long now = System.nanoTime();
                if (recovery != null && now >= nextLook) {
                    nextLook = now + LOOK_NANOS;
                    if (recovery.advanced()) { // replaying WAL: start_timeout counts from its latest headway
                        deadline = Math.min(begun + RECOVERY_MAX.toNanos(),
                                Math.max(deadline, now + startTimeout.toNanos()));
                    }
                }
                pause(2);
            }
            throw KopiException.unavailable("postgres for " + spec.label() + " did not become ready within "
                    + startTimeout.toSeconds() + "s (postgres.start_timeout) of its start or of its recovery's last "
                    + "progress: " + logTail(spec.logFile(), logStart));
        } finally {
            if (!ready) {
                // Timed out, failed or interrupted: leave nothing running, pid file or not.
                stop(spec.dataDir());
                if (process.isAlive()) {
                    process.destroyForcibly();
                }
            }
        }
    }

    private static void setting(List<String> argv, String name, String value) {
        argv.add("-c");
        argv.add(name + "=" + value);
    }

    private KopiException startFailed(Launch spec, String how, long logStart) {
        String tail = logTail(spec.logFile(), logStart);
        String message = "postgres for " + spec.label() + " " + how + ": " + tail;
        if (tail.contains("could not bind") || tail.contains("Address already in use")) {
            return KopiException.unavailable(message);
        }
        if (StorageErrors.isNoSpaceMessage(tail)) {
            return KopiException.exhausted("pool is full: " + message);
        }
        if (tail.contains("could not map anonymous shared memory") || tail.contains("out of memory")
                || tail.contains("could not fork") || tail.contains("could not create semaphores")) {
            return KopiException.exhausted("not enough memory or processes for another instance: " + message);
        }
        return KopiException.precondition(message);
    }

    /**
     * Stops the postmaster running on {@code dataDir}, if any: SIGINT (fast shutdown), then SIGQUIT
     * (immediate), then SIGKILL, waiting {@code stop_timeout} after each; each signal is followed
     * by SIGCONT, so a postmaster its holder stopped (SIGSTOP) shuts down at once.
     */
    public void stop(Path dataDir) {
        stop(dataDir, false);
    }

    /**
     * Like {@link #stop(Path)}, or, when {@code discard}, starting with SIGQUIT (immediate
     * shutdown): for a data directory about to be destroyed, whose shutdown checkpoint would be
     * work thrown away (a clone's destroy or reset; the most of a destroy's time otherwise).
     */
    public void stop(Path dataDir, boolean discard) {
        Optional<Long> pid = new DataDirectory(dataDir).runningPid();
        if (pid.isEmpty()) {
            return;
        }
        long p = pid.get();
        int[] signals = discard ? new int[] {Posix.SIGQUIT, Posix.SIGKILL}
                : new int[] {Posix.SIGINT, Posix.SIGQUIT, Posix.SIGKILL};
        for (int signal : signals) {
            try {
                if (!Posix.kill(p, signal)) {
                    return;
                }
                // A holder can SIGSTOP their own postmaster; a stopped process acts on no signal but
                // SIGKILL until continued, so continue it to have the fast shutdown now.
                Posix.kill(p, Posix.SIGCONT);
            } catch (SysException e) {
                throw KopiException.internal("cannot signal postgres " + p + ": " + e.getMessage(), e);
            }
            if (waitGone(p, dataDir, signal == Posix.SIGKILL ? KILL_WAIT : stopTimeout)) {
                return;
            }
            LOG.warning("postgres " + p + " on " + dataDir + " still running after signal " + signal);
        }
        throw KopiException.internal("postgres " + p + " on " + dataDir + " survived SIGKILL", null);
    }

    private static boolean waitGone(long pid, Path dataDir, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!DataDirectory.isPostmasterOf(pid, dataDir)) {
                return true;
            }
            pause(5);
        }
        return !DataDirectory.isPostmasterOf(pid, dataDir);
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The last lines the server wrote since {@code from}, on one line. */
    static String logTail(Path log, long from) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long start = Math.max(from, f.length() - 4096);
            f.seek(start);
            byte[] buf = new byte[(int) (f.length() - start)];
            f.readFully(buf);
            String[] lines = new String(buf, StandardCharsets.UTF_8).strip().split("\n");
            List<String> picked = new ArrayList<>();
            for (int i = lines.length - 1; i >= 0 && picked.size() < 3; i--) {
                String l = lines[i].strip();
                if (!l.isEmpty()) {
                    picked.add(0, l.replaceFirst("^\\d{4}-\\d\\d-\\d\\d [\\d:.]+ \\w+ \\[\\d+\\] ", ""));
                }
            }
            return picked.isEmpty() ? "(no output; see " + log + ")" : String.join(" / ", picked);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KopiException.unavailable("interrupted");
        }
    }
}
