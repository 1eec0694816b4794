package dev.kopi.daemon.postgres;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.process.ProcessRunner;

/** What pg_controldata reports of a data directory, read with the binaries of its version. */
public final class ControlData {
    private final PgTools tools;

    public ControlData(PgTools tools) {
        this.tools = tools;
    }

    /**
     * The settings a hot standby must have at least the primary's value of, by the names of
     * the control file's lines: the file records the primary's values (a base backup copies
     * them, and replay updates them when the primary changes one).
     */
    private static final Map<String, String> STANDBY_MINIMUMS = Map.of(
            "max_connections setting", "max_connections",
            "max_worker_processes setting", "max_worker_processes",
            "max_wal_senders setting", "max_wal_senders",
            "max_prepared_xacts setting", "max_prepared_transactions",
            "max_locks_per_xact setting", "max_locks_per_transaction");

    /** "Database cluster state", e.g. "shut down". */
    public String clusterState(Path dir, String version) {
        String state = lines(dir, version).get("Database cluster state");
        if (state == null) {
            throw KopiException.internal("pg_controldata printed no cluster state for " + dir, null);
        }
        return state;
    }

    /**
     * The primary's values of the settings a hot standby on {@code dir} must match or exceed, as
     * {@code -c} settings. A standby started below them refuses to run ("insufficient parameter
     * settings"): the primary's postgresql.conf, which may live outside its data directory
     * (Debian keeps it in /etc), is not what a base backup copies.
     */
    public Map<String, String> standbyMinimums(Path dir, String version) {
        return standbyMinimums(lines(dir, version));
    }

    static Map<String, String> standbyMinimums(Map<String, String> lines) {
        Map<String, String> out = new TreeMap<>();
        STANDBY_MINIMUMS.forEach((line, setting) -> {
            String v = lines.get(line);
            if (v != null && v.matches("\\d{1,9}")) {
                out.put(setting, v);
            }
        });
        return out;
    }

    /** pg_controldata's "Name: value" lines, run as the binaries' user (the directory is theirs). */
    private Map<String, String> lines(Path dir, String version) {
        ProcessRunner.Result r = tools.run(version, "pg_controldata", List.of("-D", dir.toString()), Map.of(),
                Duration.ofSeconds(30));
        if (!r.ok()) {
            throw KopiException.internal("cannot read the control file of " + dir + ": " + r.describe(), null);
        }
        return parse(r.stdout());
    }

    static Map<String, String> parse(String stdout) {
        Map<String, String> out = new HashMap<>();
        for (String line : stdout.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                out.putIfAbsent(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return out;
    }
}
