package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.PgTools;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.source.Conninfo;
import dev.kopi.daemon.source.Source;

/**
 * The live server behind a basebackup or dump source: how to reach it (connection string
 * without its password on argv, the password in PGPASSWORD) and what it is (version, size,
 * tablespaces, encoding), learned with one query before any volume is made.
 */
final class SourceServer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROBE = "SELECT json_build_object("
            + "'num', current_setting('server_version_num')::int, "
            + "'version', current_setting('server_version'), "
            + "'cluster', (SELECT coalesce(sum(pg_database_size(oid)) FILTER (WHERE has_database_privilege(oid, "
            + "'CONNECT')), 0) FROM pg_database WHERE datallowconn), "
            + "'database', current_database(), "
            + "'dbsize', pg_database_size(current_database()), "
            + "'encoding', (SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()), "
            + "'collate', (SELECT datcollate FROM pg_database WHERE datname = current_database()), "
            + "'ctype', (SELECT datctype FROM pg_database WHERE datname = current_database()), "
            + "'tablespaces', (SELECT coalesce(json_agg(json_build_object('oid', oid::text, 'location', "
            + "pg_tablespace_location(oid))), '[]'::json) FROM pg_tablespace WHERE pg_tablespace_location(oid) <> ''))";

    private final Source source;
    private final PgTools tools;
    private final Conninfo conninfo;
    private final Map<String, String> env;

    SourceServer(Source source, PgTools tools) {
        this.source = source;
        this.tools = tools;
        this.conninfo = source.conninfo();
        conninfo.requireReadable(source.name());
        this.env = environment(source);
    }

    /** What the probe learned. Sizes in bytes. */
    record Facts(int versionNum, String version, long clusterBytes, String database, long databaseBytes,
                 String encoding, String collate, String ctype, Map<String, String> tablespaces) {
        /** "15" for 150004: the major version, whose binaries must be installed here. */
        String major() {
            return Integer.toString(versionNum / 10000);
        }
    }

    /** The connection string for argv: no password. */
    String conninfo() {
        return conninfo.withoutPassword();
    }

    /** For a tool connecting to the source: the password and a bounded connect time. */
    Map<String, String> env() {
        return env;
    }

    /** How errors name the source: its connection string with the password masked. */
    String describe() {
        return "source " + source.name() + " (" + conninfo.masked() + ")";
    }

    /**
     * Connects once with psql of {@code toolsVersion} and learns the facts; an unreachable source
     * fails here, before anything is made. A physical copy needs no database, so without one in
     * the connection string the probe asks the "postgres" database.
     */
    Facts probe(String toolsVersion) {
        ProcessRunner.Result r = psql(toolsVersion, PROBE);
        if (!r.ok()) {
            throw KopiException.unavailable("cannot reach " + describe() + ": " + r.describe());
        }
        try {
            JsonNode n = JSON.readTree(r.stdout().strip());
            Map<String, String> spaces = new HashMap<>();
            for (JsonNode t : n.path("tablespaces")) {
                spaces.put(t.path("oid").asText(), t.path("location").asText());
            }
            return new Facts(n.path("num").asInt(), n.path("version").asText(), n.path("cluster").asLong(),
                    n.path("database").asText(), n.path("dbsize").asLong(), n.path("encoding").asText(),
                    n.path("collate").asText(), n.path("ctype").asText(), Map.copyOf(spaces));
        } catch (IOException | RuntimeException e) {
            throw KopiException.internal("unexpected answer from " + describe() + ": " + r.stdout().strip(), e);
        }
    }

    /**
     * Runs one SQL statement on the source with psql of {@code toolsVersion}, unaligned, tuples
     * only. A physical copy or a replica needs no database, so without one in the connection
     * string it asks the "postgres" database.
     */
    ProcessRunner.Result psql(String toolsVersion, String sql) {
        Conninfo c = conninfo.get("dbname") == null && source.kind() != Source.Kind.DUMP
                ? conninfo.withDatabase("postgres") : conninfo;
        return tools.run(toolsVersion, "psql", List.of("-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d",
                c.withoutPassword(), "-c", sql), env, Duration.ofMinutes(2));
    }

    /**
     * Where the server has flushed its WAL to ({@code pg_current_wal_flush_lsn()}), asked with
     * psql of {@code toolsVersion}; null when it cannot be reached or is not a primary.
     */
    String flushLsn(String toolsVersion) {
        ProcessRunner.Result r = psql(toolsVersion, "SELECT pg_current_wal_flush_lsn()");
        String lsn = r.stdout().strip();
        return r.ok() && lsn.matches("[0-9A-F]{1,8}/[0-9A-F]{1,8}") ? lsn : null;
    }

    /** The source's password as kopid knows it (connection string, password_file or password_env); null if none. */
    String password() {
        return env.get("PGPASSWORD");
    }

    /** Options common to every tool connecting to the source: never prompt for a password. */
    List<String> connectArgs() {
        List<String> a = new ArrayList<>();
        a.add("--no-password");
        a.add("--dbname=" + conninfo());
        return a;
    }

    private static Map<String, String> environment(Source source) {
        Map<String, String> env = new HashMap<>();
        String password = source.conninfo().password();
        SourceSettings s = source.settings();
        if (s.passwordFile() != null) {
            try {
                List<String> lines = Files.readAllLines(Path.of(s.passwordFile()), StandardCharsets.UTF_8);
                password = lines.isEmpty() ? "" : lines.get(0);
            } catch (IOException e) {
                throw KopiException.precondition("source " + source.name() + ": cannot read password_file "
                        + s.passwordFile() + ": " + e.getMessage());
            }
        } else if (s.passwordEnv() != null) {
            password = System.getenv(s.passwordEnv());
            if (password == null) {
                throw KopiException.precondition("source " + source.name() + ": environment variable "
                        + s.passwordEnv() + " (password_env) is not set in kopid's environment");
            }
        }
        if (password != null) {
            env.put("PGPASSWORD", password);
        }
        env.put("PGCONNECT_TIMEOUT", "15");
        env.put("PGAPPNAME", "kopi-refresh-" + source.name());
        return Map.copyOf(env);
    }
}
