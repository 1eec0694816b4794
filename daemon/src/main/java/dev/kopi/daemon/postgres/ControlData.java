package dev.kopi.daemon.postgres;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.process.ProcessRunner;

/** What pg_controldata reports of a data directory, read with the binaries of its version. */
public final class ControlData {
    private final PgTools tools;

    public ControlData(PgTools tools) {
        this.tools = tools;
    }

    /** "Database cluster state", e.g. "shut down". */
    public String clusterState(Path dir, String version) {
        ProcessRunner.Result r = tools.run(version, "pg_controldata", List.of("-D", dir.toString()), Map.of(),
                Duration.ofSeconds(30));
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
