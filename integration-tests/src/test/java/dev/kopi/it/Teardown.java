package dev.kopi.it;

import java.util.ArrayList;
import java.util.List;

/** Runs every cleanup step even when earlier ones fail, then reports the first failure. */
final class Teardown {
    /** A cleanup step. */
    interface Step {
        void run() throws Exception;
    }

    private final List<Throwable> failures = new ArrayList<>();

    Teardown step(String what, Step step) {
        try {
            step.run();
        } catch (Throwable t) {
            System.err.println("teardown step '" + what + "' failed: " + t);
            failures.add(t);
        }
        return this;
    }

    /**
     * What every integration test class made, undone in order: the daemon (and its clones), the
     * source clusters and any postgres left under the run directory, the pool, leftover
     * mounts/loop devices/zpools, the run directory. Nulls (a setup that failed early) are skipped.
     */
    static void everything(RunDir run, Kopid kopid, Pool pool, SourceCluster... clusters) {
        new Teardown()
                .step("kopid", () -> {
                    if (kopid != null) {
                        kopid.close();
                    }
                })
                .step("source clusters", () -> {
                    for (SourceCluster c : clusters) {
                        if (c != null) {
                            c.close();
                        }
                    }
                    if (run != null) {
                        Reaper.killPostgresUnder(run.path);
                    }
                })
                .step("pool", () -> {
                    if (pool != null) {
                        pool.close();
                    }
                })
                .step("leftovers", () -> {
                    if (run != null) {
                        Reaper.reap(run.path, run.zpoolName());
                    }
                })
                .step("run directory", () -> {
                    if (run != null) {
                        run.delete();
                    }
                })
                .done();
    }

    void done() {
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException("teardown failed: " + failures.get(0), failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }
}
