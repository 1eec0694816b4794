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

    void done() {
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException("teardown failed: " + failures.get(0), failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }
}
