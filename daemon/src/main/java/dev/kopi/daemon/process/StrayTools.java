package dev.kopi.daemon.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Finds and kills PostgreSQL client tools left working on staging volumes by a kopid that was
 * killed: a tool dies with kopid (parent-death signal), but a process it forked does not, e.g.
 * pg_basebackup's WAL streamer, which would go on writing into a volume that no longer exists.
 * A tool is recognised by an argument naming a path below the staging directory; postmasters
 * are left to the caller, which stops them cleanly.
 */
public final class StrayTools {
    private static final Logger LOG = Logger.getLogger(StrayTools.class.getName());
    private static final List<String> TOOLS = List.of("pg_basebackup", "pg_dump", "pg_dumpall", "pg_restore", "psql",
            "initdb");

    private StrayTools() {
    }

    /** Kills (SIGKILL) every client tool whose arguments name a path below {@code stagingDir}; returns their pids. */
    public static List<Long> kill(Path stagingDir) {
        String prefix = stagingDir.toString() + "/";
        List<Long> killed = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            ProcessHandle.Info info = p.info();
            Optional<String> command = info.command();
            Optional<String[]> args = info.arguments();
            if (command.isEmpty() || args.isEmpty()) {
                return;
            }
            String program = Path.of(command.get()).getFileName().toString();
            if (!TOOLS.contains(program)) {
                return;
            }
            for (String a : args.get()) {
                if (a.contains(prefix)) {
                    if (p.destroyForcibly()) {
                        killed.add(p.pid());
                        LOG.warning("killed " + program + " (pid " + p.pid() + ") left working on a staging volume");
                    }
                    return;
                }
            }
        });
        return killed;
    }
}
