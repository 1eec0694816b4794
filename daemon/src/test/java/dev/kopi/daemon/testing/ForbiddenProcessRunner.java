package dev.kopi.daemon.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.kopi.daemon.process.ProcessRunner;

/** A runner for code paths that must not run programs: every call is recorded and fails the test. */
public final class ForbiddenProcessRunner implements ProcessRunner {
    private final List<List<String>> calls = new ArrayList<>();

    @Override
    public synchronized Result run(List<String> argv, Map<String, String> env, byte[] stdin, Duration timeout) {
        calls.add(List.copyOf(argv));
        throw new AssertionError("unexpected run of " + argv);
    }

    @Override
    public synchronized Process spawn(List<String> argv, Path log) {
        calls.add(List.copyOf(argv));
        throw new AssertionError("unexpected spawn of " + argv);
    }

    public synchronized List<List<String>> calls() {
        return List.copyOf(calls);
    }
}
