package dev.kopi.daemon.postgres;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.process.ProcessRunner;

/** What pg_controldata reports of a data directory, run as the postgres user with the matching binaries. */
public final class ControlData {
    private final ProcessRunner runner;
    private final PgBinaries binaries;
    private final OsUser user;

    public ControlData(ProcessRunner runner, PgBinaries binaries, OsUser user) {
        this.runner = runner;
        this.binaries = binaries;
        this.user = user;
    }

    /** "Database cluster state", e.g. "shut down". */
    public String clusterState(Path dir, String version) {
        ProcessRunner.Result r;
        try {
            r = runner.run(user.wrap(List.of(binaries.tool(version, "pg_controldata").toString(), "-D",
                    dir.toString())), Duration.ofSeconds(30));
        } catch (IOException e) {
            throw KopiException.internal("cannot run pg_controldata on " + dir + ": " + e.getMessage(), e);
        }
        if (!r.ok()) {
            throw KopiException.internal("cannot read the control file of " + dir + ": " + r.describe(), null);
        }
        for (String line : r.stdout().split("\n")) {
            if (line.startsWith("Database cluster state:")) {
                return line.substring(line.indexOf(':') + 1).strip();
            }
        }
        throw KopiException.internal("pg_controldata printed no cluster state for " + dir, null);
    }
}
