package dev.kopi.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.kopi.client.Clone;
import dev.kopi.client.KopiClientException;
import dev.kopi.client.PreparedSnapshot;
import dev.kopi.client.SnapshotInfo;

/**
 * kopictl prepare BASE --hash migrations/ -- ./migrate.sh: a snapshot of BASE with a setup
 * applied, made once per key and then handed out at once (the prepared snapshots of the Java
 * client, for any language). The command runs only when the key has no snapshot of the base's
 * current snapshot yet, on a builder clone whose connection it gets in libpq's variables and
 * DATABASE_URL; its output goes to stderr, so stdout is only the snapshot's name
 * ({@code SNAP=$(kopictl prepare ...)}). A command that fails publishes nothing.
 */
@Command(name = "prepare", description = "Make (once per key) a snapshot of BASE with a command's setup applied, "
        + "and print its name.")
final class PrepareCommand extends Base {
    @Parameters(index = "0", paramLabel = "BASE", description = "SOURCE (its newest snapshot) or SOURCE@TAG")
    String base;

    @ArgGroup(multiplicity = "1")
    Key key;

    /** The key, given or computed from files. */
    static final class Key {
        @Option(names = "--key", paramLabel = "KEY", description = "6-40 characters of a-z and 0-9")
        String given;

        @Option(names = "--hash", paramLabel = "PATH", arity = "1..*",
                description = "files or directories whose names and contents make the key")
        List<Path> paths;
    }

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m",
            description = "how long to wait for another caller's build of the same key (default 10m)")
    String timeout;

    @Parameters(index = "1..*", paramLabel = "COMMAND", arity = "1..*",
            description = "the setup, after --: run without a shell, with PGHOST ... PGDATABASE and DATABASE_URL set")
    List<String> command;

    @Override
    void run(Connection c) {
        String k = key.given != null ? key.given : keyOf(key.paths);
        PreparedSnapshot prepared = c.client().prepared(base).key(k).timeout(duration(timeout));
        SnapshotInfo made;
        try {
            made = prepared.build(this::setup);
        } catch (KopiClientException e) {
            if (e.getCause() instanceof CliException failed) {
                throw new CliException(failed.getMessage() + "; nothing was published (the next prepare of key "
                        + k + " builds again)");
            }
            throw e;
        }
        if (root().json()) {
            Output.json(out(), Map.of("name", made.name(), "key", k));
        } else {
            out().println(made.name());
        }
    }

    /** Runs the command on the builder clone; throws if it does not exit 0. */
    private void setup(Clone clone) throws IOException, InterruptedException {
        err().println("kopictl: preparing " + base + " under key " + (key.given != null ? key.given : "(hashed)")
                + " on clone " + clone.name() + ": " + String.join(" ", command));
        err().flush();
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(environment(clone));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new CliException("cannot run " + command.get(0) + ": " + e.getMessage());
        }
        try (InputStream in = p.getInputStream()) {
            relay(in, err());
        }
        int code = p.waitFor();
        if (code != 0) {
            throw new CliException(command.get(0) + " exited with " + code + " on builder clone " + clone.name());
        }
    }

    /**
     * Copies the command's output to {@code to} as it comes. One decoder for the whole stream: a
     * character whose bytes arrive in two reads is decoded whole, not as two replacement marks.
     */
    static void relay(InputStream in, PrintWriter to) throws IOException {
        Reader r = new InputStreamReader(in, StandardCharsets.UTF_8);
        char[] buf = new char[8192];
        for (int n; (n = r.read(buf)) > 0; ) {
            to.write(buf, 0, n);
            to.flush();
        }
    }

    /** libpq's variables, DATABASE_URL and KOPI_CLONE: what a migration tool finds a database by. */
    static Map<String, String> environment(Clone clone) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PGHOST", clone.host());
        env.put("PGPORT", Integer.toString(clone.port()));
        env.put("PGUSER", clone.user());
        env.put("PGPASSWORD", clone.password());
        env.put("PGDATABASE", clone.database());
        env.put("DATABASE_URL", clone.uri());
        env.put("KOPI_JDBC_URL", clone.jdbcUrl());
        env.put("KOPI_CLONE", clone.name());
        return env;
    }

    /**
     * The key of {@code paths}: each file's path (relative to the directory given, '/'-separated)
     * and contents, directories walked in name order, so the same files make the same key on any
     * machine and a renamed, added or changed file makes another.
     */
    static String keyOf(List<Path> paths) {
        List<byte[]> parts = new ArrayList<>();
        for (Path given : paths) {
            if (!Files.exists(given)) {
                throw new CliException("--hash " + given + ": no such file or directory");
            }
            List<Path> files;
            try (Stream<Path> walk = Files.walk(given)) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            } catch (IOException | UncheckedIOException e) {
                throw new CliException("--hash " + given + ": " + e.getMessage());
            }
            for (Path f : files) {
                String rel = given.relativize(f).toString().replace('\\', '/');
                parts.add(rel.getBytes(StandardCharsets.UTF_8));
                try {
                    parts.add(Files.readAllBytes(f));
                } catch (IOException e) {
                    throw new CliException("--hash " + f + ": " + e.getMessage());
                }
            }
        }
        return PreparedSnapshot.keyOf(parts);
    }

    private static Duration duration(String text) {
        try {
            return Duration.parse("PT" + text.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new CliException("--timeout " + text + ": not a duration (e.g. 90s, 10m, 1h)");
        }
    }
}
