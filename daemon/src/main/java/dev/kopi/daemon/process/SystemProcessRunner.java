package dev.kopi.daemon.process;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** {@link ProcessRunner} on the real operating system. */
public final class SystemProcessRunner implements ProcessRunner {
    private static final File DEV_NULL = new File("/dev/null");
    /** Pipe readers block for the life of a child; they get their own threads, not the common pool. */
    private static final ExecutorService DRAINERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "process-output");
        t.setDaemon(true);
        return t;
    });

    /** Output kept of each stream: its start and its end, this much of each. */
    static final int KEEP = 256 * 1024;

    @Override
    public Result run(List<String> argv, Map<String, String> env, byte[] stdin, Duration timeout)
            throws IOException {
        ProcessBuilder pb = builder(argv);
        if (stdin == null) {
            pb.redirectInput(DEV_NULL);
        }
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        if (stdin != null) {
            CompletableFuture.runAsync(() -> {
                try (var in = p.getOutputStream()) {
                    in.write(stdin);
                } catch (IOException e) {
                    // the program ended or closed its input early: its exit code says how it went
                }
            }, DRAINERS);
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new IOException(Path.of(argv.get(0)).getFileName() + " did not finish within "
                        + timeout.toSeconds() + "s and was killed");
            }
            return new Result(List.copyOf(argv), p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + argv.get(0), e);
        }
    }

    @Override
    public Process spawn(List<String> argv, Path log) throws IOException {
        List<String> detached = new ArrayList<>(argv.size() + 1);
        // setsid(1) execs in place when the caller is not a group leader (a JVM child never is),
        // so the pid we get back is the program's own.
        detached.add("setsid");
        detached.addAll(argv);
        return builder(detached)
                .redirectInput(DEV_NULL)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    private static ProcessBuilder builder(List<String> argv) {
        ProcessBuilder pb = new ProcessBuilder(List.copyOf(argv));
        Map<String, String> env = pb.environment();
        // libpq and the server read PG* variables (PGDATA, PGPORT, PGPASSWORD...): none may leak in.
        env.keySet().removeIf(k -> k.startsWith("PG"));
        return pb;
    }

    /** Reads a stream to its end, keeping its first and last {@link #KEEP} bytes: a chatty tool cannot fill kopid's memory. */
    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return BoundedOutput.read(in, KEEP);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, DRAINERS);
    }
}
