package dev.kopi.daemon.process;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs external programs from an argv list; there is no way to pass a shell string.
 * One interface so that unit tests can substitute a fake.
 */
public interface ProcessRunner {
    /** Runs {@code argv} to completion, bounded by {@code timeout}, capturing its output. */
    default Result run(List<String> argv, Duration timeout) throws IOException {
        return run(argv, Map.of(), timeout);
    }

    /**
     * Like {@link #run(List, Duration)} with extra environment variables: how a password reaches
     * a PostgreSQL tool (PGPASSWORD), since argv is visible to every user through ps.
     */
    default Result run(List<String> argv, Map<String, String> env, Duration timeout) throws IOException {
        return run(argv, env, null, timeout);
    }

    /**
     * Like {@link #run(List, Map, Duration)} with {@code stdin} written to the program's standard
     * input (then closed); null for none. How a script reaches psql without a file anyone else
     * could swap.
     */
    Result run(List<String> argv, Map<String, String> env, byte[] stdin, Duration timeout) throws IOException;

    /**
     * Starts a long-running program in a new session (so signals aimed at kopid's terminal or
     * process group never reach it) with stdin from /dev/null and stdout+stderr appended to
     * {@code log}, and returns at once. Output goes to a file, never a pipe: a pipe would break
     * the program with SIGPIPE once kopid exits.
     */
    Process spawn(List<String> argv, Path log) throws IOException;

    /** What a finished program did. */
    record Result(List<String> argv, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** The program run, past a setpriv wrapper (whose own name would tell a reader nothing). */
        public String program() {
            if (Path.of(argv.get(0)).getFileName().toString().equals("setpriv")) {
                int dashes = argv.indexOf("--");
                if (dashes >= 0 && dashes + 1 < argv.size()) {
                    return argv.get(dashes + 1);
                }
            }
            return argv.get(0);
        }

        /** The program name, exit code and the last lines of stderr (or stdout), on one line. */
        public String describe() {
            String out = stderr.isBlank() ? stdout : stderr;
            String[] lines = out.strip().split("\n");
            StringBuilder tail = new StringBuilder();
            for (int i = Math.max(0, lines.length - 3); i < lines.length; i++) {
                if (!lines[i].isBlank()) {
                    tail.append(tail.length() > 0 ? " / " : "").append(lines[i].strip());
                }
            }
            return Path.of(program()).getFileName() + " exited with " + exitCode
                    + (tail.length() > 0 ? ": " + tail : "");
        }
    }
}
