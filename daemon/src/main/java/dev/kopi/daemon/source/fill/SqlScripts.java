package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.Instance;
import dev.kopi.daemon.postgres.PgTools;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.source.Progress;

/**
 * Runs SQL scripts (seed scripts, transforms) in order with psql on a staging instance, stopping
 * at the first error. kopid reads each script (it may be root's and 0600) and hands it to psql
 * on its standard input: no copy of it is ever written where another identity could swap it;
 * errors name the original file.
 */
public final class SqlScripts {
    /** psql's name for a script read from its standard input, in its messages. */
    private static final String STDIN = "<stdin>";

    private final PgTools tools;

    SqlScripts(PgTools tools) {
        this.tools = tools;
    }

    /**
     * Runs {@code scripts} into {@code database}; {@code what} ("seed", "transform") names them in
     * progress and errors. A failing script fails the refresh with psql's message.
     */
    public void run(Instance inst, String database, List<Path> scripts, String what, Progress progress) {
        int i = 0;
        for (Path script : scripts) {
            i++;
            progress.report(what, what + " " + i + "/" + scripts.size() + ": " + script, 0, 0);
            byte[] sql;
            try {
                sql = Files.readAllBytes(script); // the admin's own file, named in kopid's config or by its API
            } catch (IOException e) {
                throw KopiException.precondition(what + " script " + script + " cannot be read: " + e.getMessage());
            }
            run(inst, database, sql, script.toString(), what + " script " + script);
        }
    }

    /** Runs {@code sql} into {@code database}; {@code name} stands for it in psql's messages. */
    void run(Instance inst, String database, byte[] sql, String name, String what) {
        List<String> args = new ArrayList<>(List.of("-X", "-q", "-v", "ON_ERROR_STOP=1", "--file=-"));
        args.addAll(inst.connectArgs(database));
        ProcessRunner.Result r = tools.run(inst.spec().version(), "psql", args, Map.of(), sql, PgTools.LONG);
        if (!r.ok()) {
            ProcessRunner.Result named = new ProcessRunner.Result(r.argv(), r.exitCode(),
                    r.stdout().replace(STDIN, name), r.stderr().replace(STDIN, name));
            throw PgTools.failure(what, named);
        }
    }
}
