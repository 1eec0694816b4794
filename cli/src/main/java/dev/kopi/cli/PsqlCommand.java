package dev.kopi.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.GetCloneRequest;

/**
 * kopictl psql CLONE [-- ARGS...]: runs psql on the clone, with stdin, stdout and stderr
 * inherited, and exits with psql's exit code. The connection goes in libpq's environment
 * variables, never on psql's command line, where ps would show the password to every user.
 */
@Command(name = "psql", description = "Run psql connected to a clone (extra psql arguments after --).")
final class PsqlCommand extends Base {
    @Mixin
    CaFileOption ca = new CaFileOption();

    @Parameters(index = "0", paramLabel = "CLONE")
    String name;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "arguments for psql, after --: kopictl psql CLONE -- -c 'select 1'")
    List<String> args = new ArrayList<>();

    /**
     * Connection settings from the user's environment that would take precedence over ours or
     * send psql elsewhere: a service file's entries beat PG* variables in libpq, and a host
     * address is used instead of PGHOST.
     */
    private static final List<String> OVERRIDING = List.of("PGSERVICE", "PGSERVICEFILE", "PGHOSTADDR");

    private Path psql;
    private Clone clone;

    @Override
    void run(Connection c) {
        // Before asking kopid: a missing psql is the user's to fix, whatever state the clone is in.
        psql = findOnPath("psql", root().env().get("PATH"));
        if (psql == null) {
            throw new CliException("psql not found on PATH; install the PostgreSQL client, "
                    + "or use kopictl url " + name + " with another client");
        }
        clone = ca.local(c.clones().getClone(GetCloneRequest.newBuilder().setName(name).build()));
    }

    @Override
    int afterClose() {
        List<String> command = new ArrayList<>();
        command.add(psql.toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
        Map<String, String> env = pb.environment();
        env.clear();
        env.putAll(root().env());
        OVERRIDING.forEach(env::remove);
        env.putAll(EnvCommand.variables(clone));
        // Anything kopictl printed must come before what psql prints on the same terminal.
        out().flush();
        err().flush();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new CliException("cannot run " + psql + ": " + e.getMessage());
        }
        // Ctrl-C reaches the whole foreground process group. psql uses it to cancel a query and
        // carries on; kopictl must not die of it and hand the terminal back to the shell under a
        // running psql. Ignored only after the start, so that psql does not inherit the ignoring.
        SignalHandler previous = Signal.handle(new Signal("INT"), SignalHandler.SIG_IGN);
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroy();
            throw new CliException("interrupted while psql was running");
        } finally {
            Signal.handle(new Signal("INT"), previous);
        }
    }

    /**
     * The first executable NAME in PATH's directories, as execvp would pick it; empty entries
     * (which execvp reads as the current directory) are skipped, so a psql lying in whatever
     * directory kopictl is run from is never started by surprise.
     */
    static Path findOnPath(String name, String path) {
        if (path == null) {
            return null;
        }
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p;
            try {
                p = Path.of(dir, name);
            } catch (InvalidPathException e) {
                // A directory the JVM cannot name (say, under a non-UTF-8 locale) cannot hold our psql either.
                continue;
            }
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
