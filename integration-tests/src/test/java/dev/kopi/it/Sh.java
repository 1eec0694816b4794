package dev.kopi.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs helper programs for test setup and as oracles (btrfs, zfs, initdb...), from argv lists. */
final class Sh {
    /** A finished program. */
    record Result(int code, String out) {
        boolean ok() {
            return code == 0;
        }
    }

    private Sh() {
    }

    static Result run(String... argv) {
        return run(List.of(argv));
    }

    static Result run(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                    new java.io.File("/dev/null"))).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + argv);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + argv + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs and requires success. */
    static String ok(String... argv) {
        Result r = run(argv);
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", argv) + " exited " + r.code() + ": " + r.out());
        }
        return r.out();
    }

    /** argv run as the postgres OS user. */
    static String[] asPostgres(String... argv) {
        List<String> l = new ArrayList<>(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"));
        l.addAll(List.of(argv));
        return l.toArray(String[]::new);
    }
}
