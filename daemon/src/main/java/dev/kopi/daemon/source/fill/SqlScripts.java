package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.Instance;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.postgres.PgTools;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.source.Progress;
import dev.kopi.sys.Posix;

/**
 * Runs SQL scripts (seed scripts, transforms) in order with psql on a staging instance, stopping
 * at the first error. kopid reads each script (it may be root's and 0600) and hands psql a
 * private copy in the instance's socket directory; errors name the original file.
 */
public final class SqlScripts {
    private final PgTools tools;

    SqlScripts(PgTools tools) {
        this.tools = tools;
    }

    /**
     * Runs {@code scripts} into {@code database}; {@code what} ("seed", "transform") names them in
     * progress and errors. A failing script fails the refresh with psql's message.
     */
    public void run(Instance inst, String database, List<Path> scripts, String what, Progress progress) {
        OsUser user = tools.user();
        int i = 0;
        for (Path script : scripts) {
            i++;
            progress.report(what, what + " " + i + "/" + scripts.size() + ": " + script, 0, 0);
            Path copy = inst.socketDir().resolve("script-" + i + ".sql");
            try {
                Files.copy(script, copy, StandardCopyOption.REPLACE_EXISTING);
                Posix.chown(copy, user.uid(), user.gid());
                Posix.chmod(copy, 0600);
            } catch (IOException e) {
                throw KopiException.precondition(what + " script " + script + " cannot be read: " + e.getMessage());
            }
            try {
                List<String> args = new ArrayList<>(List.of("-X", "-q", "-v", "ON_ERROR_STOP=1",
                        "--file=" + copy));
                args.addAll(inst.connectArgs(database));
                ProcessRunner.Result r = tools.run(inst.spec().version(), "psql", args, Map.of(), PgTools.LONG);
                if (!r.ok()) {
                    ProcessRunner.Result named = new ProcessRunner.Result(r.argv(), r.exitCode(),
                            r.stdout().replace(copy.toString(), script.toString()),
                            r.stderr().replace(copy.toString(), script.toString()));
                    throw PgTools.failure(what + " script " + script, named);
                }
            } finally {
                try {
                    Files.deleteIfExists(copy);
                } catch (IOException ignored) {
                    // the socket directory goes with the staging instance
                }
            }
        }
    }
}
