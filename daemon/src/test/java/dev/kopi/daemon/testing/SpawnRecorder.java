package dev.kopi.daemon.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.kopi.daemon.process.ProcessRunner;

/**
 * A runner for a Postmaster whose binaries "exist": every spawn (a postgres start) is recorded,
 * handed to a hook (which sees the world as it is at that moment of a create or reset), then
 * refused with an IOException, so the start fails the way a broken postgres start fails.
 * Nothing is ever run.
 */
public final class SpawnRecorder implements ProcessRunner {
    public static final String REFUSAL = "spawn refused by the test";

    private final List<List<String>> spawns = new ArrayList<>();
    private volatile Consumer<List<String>> hook = argv -> { };

    public void onSpawn(Consumer<List<String>> h) {
        hook = h;
    }

    public synchronized List<List<String>> spawns() {
        return List.copyOf(spawns);
    }

    @Override
    public Result run(List<String> argv, Map<String, String> env, byte[] stdin, Duration timeout) {
        throw new AssertionError("unexpected run of " + argv);
    }

    @Override
    public Process spawn(List<String> argv, Path log) throws IOException {
        synchronized (this) {
            spawns.add(List.copyOf(argv));
        }
        hook.accept(argv);
        throw new IOException(REFUSAL);
    }

    /** The value of {@code -c NAME=VALUE} in a postgres argv. */
    public static String setting(List<String> argv, String name) {
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (argv.get(i).equals("-c") && argv.get(i + 1).startsWith(name + "=")) {
                return argv.get(i + 1).substring(name.length() + 1);
            }
        }
        throw new AssertionError("no setting " + name + " in " + argv);
    }
}
