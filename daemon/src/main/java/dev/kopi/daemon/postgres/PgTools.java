package dev.kopi.daemon.postgres;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.postgres.PgBinaries;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.storage.StorageErrors;

/**
 * Runs PostgreSQL's client programs (psql, pg_basebackup, pg_dump, pg_restore, initdb) for a
 * refresh: as the postgres OS user (never root: they write into volumes Postgres will own),
 * killed if kopid dies, with secrets only in the environment, and their failures turned into
 * errors a person can act on.
 */
public final class PgTools {
    /** A refresh of a large source can take hours; this bounds a hung tool, not a slow one. */
    public static final Duration LONG = Duration.ofHours(24);

    private final ProcessRunner runner;
    private final PgBinaries binaries;
    private final OsUser user;

    /** Tools from {@code binaries}, run as {@code user}. */
    public PgTools(ProcessRunner runner, PgBinaries binaries, OsUser user) {
        this.runner = runner;
        this.binaries = binaries;
        this.user = user;
    }

    public ProcessRunner runner() {
        return runner;
    }

    public PgBinaries binaries() {
        return binaries;
    }

    /** The OS user the tools (and Postgres) run as. */
    public OsUser user() {
        return user;
    }

    /** Runs {@code tool} of PostgreSQL {@code version}; the result whether it succeeded or not. */
    public ProcessRunner.Result run(String version, String tool, List<String> args, Map<String, String> env,
                                    Duration timeout) {
        return run(version, tool, args, env, null, timeout);
    }

    /** Like {@link #run(String, String, List, Map, Duration)}, with {@code stdin} as the tool's input. */
    public ProcessRunner.Result run(String version, String tool, List<String> args, Map<String, String> env,
                                    byte[] stdin, Duration timeout) {
        List<String> argv = new ArrayList<>();
        argv.add(binaries.tool(version, tool).toString());
        argv.addAll(args);
        try {
            return runner.run(user.wrapTool(argv), env, stdin, timeout);
        } catch (IOException e) {
            throw KopiException.unavailable(tool + " failed: " + e.getMessage());
        }
    }

    /** Like {@link #run}, but a failure is an error saying {@code what} failed, and why. */
    public ProcessRunner.Result require(String what, String version, String tool, List<String> args,
                                        Map<String, String> env, Duration timeout) {
        ProcessRunner.Result r = run(version, tool, args, env, timeout);
        if (!r.ok()) {
            throw failure(what, r);
        }
        return r;
    }

    /** The error for a failed tool: a full pool is RESOURCE_EXHAUSTED, the rest FAILED_PRECONDITION. */
    public static KopiException failure(String what, ProcessRunner.Result r) {
        String output = r.stderr() + "\n" + r.stdout();
        if (StorageErrors.isNoSpaceMessage(output)) {
            return KopiException.exhausted("pool is full: " + what + " failed: " + r.describe()
                    + "; free space (destroy clones, delete snapshots, lower keep) or grow the pool");
        }
        return KopiException.precondition(what + " failed: " + r.describe());
    }
}
