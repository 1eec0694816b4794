package dev.kopi.daemon.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import dev.kopi.daemon.clone.ClonePolicy;
import dev.kopi.daemon.core.Durations;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Names;
import dev.kopi.daemon.postgres.PostgresConfig;
import dev.kopi.daemon.rpc.ApiConfig;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.source.SourceDefinition;
import dev.kopi.daemon.storage.PoolConfig;

/**
 * Reads kopid's YAML config into an immutable {@link Config}, with defaults for everything, and
 * refuses unknown keys and bad values with a message naming the key.
 */
public final class ConfigLoader {
    public static final Path DEFAULT_SOCKET = Path.of("/run/kopi/kopi.sock");
    public static final Path DEFAULT_STATE = Path.of("/var/lib/kopi");

    private static final Pattern PORTS = Pattern.compile("(\\d+)\\s*-\\s*(\\d+)");
    /** HOST:PORT or [IPV6]:PORT. */
    private static final Pattern LISTEN = Pattern.compile("(?:\\[([0-9A-Fa-f:.]+)]|([A-Za-z0-9._-]+)):(\\d+)");
    /**
     * Unix socket paths are limited to 107 bytes, and instance sockets live at
     * STATE/run/[sXXXXXXXX/].s.PGSQL.PORT.lock.
     */
    private static final int MAX_STATE_PATH = 64;
    /** sun_path is 108 bytes including the terminating NUL. */
    private static final int MAX_SOCKET_PATH = 107;

    /** Settings kopid passes to every clone itself: isolation and safety depend on them. */
    private static final Set<String> KOPI_OWNED_SETTINGS = Set.of("port", "listen_addresses",
            "unix_socket_directories", "unix_socket_permissions", "unix_socket_group", "hba_file", "data_directory",
            "config_file", "archive_mode", "logging_collector", "cluster_name");

    private final String origin;

    private ConfigLoader(String origin) {
        this.origin = origin;
    }

    /** Loads {@code file}; a missing file is an error (use {@link #defaults()} for none). */
    public static Config load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw KopiException.invalid("config file " + file + " does not exist");
        } catch (IOException e) {
            throw KopiException.invalid("cannot read config file " + file + ": " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    public static Config defaults() {
        return parse("{}", "defaults");
    }

    public static Config parse(String yaml, String origin) {
        JsonNode root;
        try {
            // A repeated key would silently replace the earlier one (a second "pool:" drops the first).
            YAMLFactory yamlFactory = new YAMLFactory();
            yamlFactory.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            root = new ObjectMapper(yamlFactory).readTree(yaml);
        } catch (JsonProcessingException e) {
            throw KopiException.invalid("config " + origin + " is not valid YAML: " + yamlProblem(e));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = MissingNode.getInstance();
        }
        return new ConfigLoader(origin).build(root);
    }

    /**
     * The parser's complaint without the excerpt of the file SnakeYAML quotes with it: that line
     * may hold a source's connection string and its password.
     */
    private static String yamlProblem(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException m) {
            Mark at = m.getProblemMark();
            return (m.getContext() == null ? "" : m.getContext() + ": ") + m.getProblem()
                    + (at == null ? "" : " (line " + (at.getLine() + 1) + ", column " + (at.getColumn() + 1) + ")");
        }
        return e.getOriginalMessage();
    }

    private Config build(JsonNode rootNode) {
        ConfigSection root = new ConfigSection(rootNode, "", origin);
        root.keys(Set.of("socket", "socket_group", "state", "pool", "postgres", "clones", "sources", "metrics", "log",
                "api"));
        Path socket = root.path("socket", DEFAULT_SOCKET);
        if (bytes(socket) > MAX_SOCKET_PATH) {
            throw bad("socket", "path is longer than " + MAX_SOCKET_PATH + " bytes, the limit for Unix socket paths");
        }
        String socketGroup = root.text("socket_group", null);
        Path state = root.path("state", DEFAULT_STATE);
        if (bytes(state) > MAX_STATE_PATH) {
            throw bad("state", "path is longer than " + MAX_STATE_PATH
                    + " bytes; instance sockets live under it and Unix socket paths are short");
        }
        PostgresConfig postgres = postgres(root.child("postgres"));
        return new Config(socket, socketGroup, state, pool(root.child("pool"), state), postgres,
                clones(root.child("clones")), sources(rootNode.path("sources")),
                WatchingConfig.metricsListen(root.child("metrics"), postgres), WatchingConfig.logFormat(root.child("log")),
                api(root.child("api"), state));
    }

    private PoolConfig pool(ConfigSection n, Path state) {
        n.keys(Set.of("backend", "path", "image", "size", "min_free", "quotas"));
        String backend = n.text("backend", null);
        if (backend != null && !backend.equals("btrfs") && !backend.equals("zfs")) {
            throw bad("pool.backend", "'" + backend + "' is not a backend: use btrfs or zfs (or omit it to detect)");
        }
        String path = n.text("path", state.resolve("pool").toString());
        boolean datasetName = !path.startsWith("/");
        if ("btrfs".equals(backend) && datasetName) {
            throw bad("pool.path", "a Btrfs pool is an absolute mount point, got '" + path + "'");
        }
        if ("zfs".equals(backend) && !datasetName) {
            throw bad("pool.path", "a ZFS pool is a dataset name such as tank/kopi, got '" + path + "'");
        }
        if (datasetName && !path.matches("[A-Za-z0-9][A-Za-z0-9_.:-]*(/[A-Za-z0-9][A-Za-z0-9_.:-]*)*")) {
            throw bad("pool.path", "'" + path + "' is not a ZFS dataset name");
        }
        if (backend == null && datasetName) {
            backend = "zfs";
        }
        Path image = n.path("image", state.resolve("pool.img"));
        long size = n.size("size", "20G");
        if (size < 128L << 20) {
            throw bad("pool.size", "must be at least 128M (Btrfs needs that much)");
        }
        long minFree = n.size("min_free", "64M");
        String quotas = switch (n.text("quotas", "auto")) {
            // YAML 1.1 reads a bare on/off/yes/no as a boolean
            case "true", "yes", "on" -> "on";
            case "false", "no", "off" -> "off";
            default -> n.text("quotas", "auto");
        };
        if (!quotas.equals("auto") && !quotas.equals("on") && !quotas.equals("off")) {
            throw bad("pool.quotas", "'" + quotas + "' is not auto, on or off");
        }
        return new PoolConfig(backend, path, image, size, minFree, quotas);
    }

    private ClonePolicy clones(ConfigSection n) {
        n.keys(Set.of("ttl", "idle_timeout", "max", "check_interval"));
        ClonePolicy d = ClonePolicy.DEFAULTS;
        Duration ttl = n.duration("ttl", Durations.format(d.ttl()));
        Duration idle = n.duration("idle_timeout", Durations.format(d.idleTimeout()));
        long max = n.count("max", 0);
        if (max > 100_000) {
            throw bad("clones.max", "must be at most 100000 (0 for no limit)");
        }
        Duration check = n.duration("check_interval", Durations.format(d.checkInterval()));
        if (check.toMillis() < 100 || check.compareTo(Duration.ofMinutes(10)) > 0) {
            throw bad("clones.check_interval", "must be between 100ms and 10m");
        }
        return new ClonePolicy(ttl, idle, (int) max, check);
    }

    private PostgresConfig postgres(ConfigSection n) {
        n.keys(Set.of("user", "ports", "listen", "host", "binaries", "superuser", "settings",
                "start_timeout", "stop_timeout", "clone_uids", "tcp_roles", "memory_max", "processes_max"));
        String user = n.text("user", "postgres");
        if (user.equals("root")) {
            throw bad("postgres.user", "clones never run as root; use an unprivileged user such as postgres");
        }
        if (!user.matches("[a-z_][a-z0-9_-]{0,31}")) {
            throw bad("postgres.user", "'" + user + "' is not a user name");
        }
        String ports = n.text("ports", "6500-6999");
        Matcher pm = PORTS.matcher(ports);
        if (!pm.matches()) {
            throw bad("postgres.ports", "'" + ports + "' is not a range like 6500-6999");
        }
        // At most 5 digits each, so parsing cannot overflow.
        int first = pm.group(1).length() > 5 ? Integer.MAX_VALUE : Integer.parseInt(pm.group(1));
        int last = pm.group(2).length() > 5 ? Integer.MAX_VALUE : Integer.parseInt(pm.group(2));
        if (first < 1024 || last > 65535 || first > last) {
            throw bad("postgres.ports", "'" + ports + "' must be FIRST-LAST within 1024-65535");
        }
        String listen = n.text("listen", "127.0.0.1");
        if (!listen.matches("[A-Za-z0-9.:*,_ -]+")) {
            throw bad("postgres.listen", "'" + listen + "' is not a list of addresses");
        }
        String host = n.text("host", defaultHost(listen));
        if (!host.matches("[A-Za-z0-9.:_-]+")) {
            throw bad("postgres.host", "'" + host + "' is not a host name or address");
        }
        String binaries = n.text("binaries", "/usr/lib/postgresql/{version}/bin");
        boolean superuser = n.bool("superuser", true);
        Map<String, String> settings = new LinkedHashMap<>();
        JsonNode settingsNode = n.node.path("settings");
        if (!settingsNode.isMissingNode() && !settingsNode.isNull() && !settingsNode.isObject()) {
            throw bad("postgres.settings", "must be a mapping of setting names to values, e.g. shared_buffers: 32MB");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = settingsNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().matches("[a-z_][a-z0-9_.]*")) {
                throw bad("postgres.settings", "'" + e.getKey() + "' is not a setting name");
            }
            if (KOPI_OWNED_SETTINGS.contains(e.getKey())) {
                throw bad("postgres.settings." + e.getKey(), "is set by kopid for every clone and cannot be overridden"
                        + (e.getKey().equals("listen_addresses") ? " (use postgres.listen)" : ""));
            }
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw bad("postgres.settings." + e.getKey(), "must be a single value");
            }
            settings.put(e.getKey(), e.getValue().asText());
        }
        Duration start = n.duration("start_timeout", "60s");
        if (start.toMillis() < 100 || start.compareTo(Duration.ofHours(1)) > 0) {
            throw bad("postgres.start_timeout", "must be between 100ms and 1h");
        }
        Duration stop = n.duration("stop_timeout", "10s");
        if (stop.toMillis() < 100 || stop.compareTo(Duration.ofHours(1)) > 0) {
            throw bad("postgres.stop_timeout", "must be between 100ms and 1h");
        }
        String uids = n.text("clone_uids", PostgresConfig.DEFAULT_UID_FIRST + "-" + PostgresConfig.DEFAULT_UID_LAST);
        Matcher um = PORTS.matcher(uids);
        long uidFirst = um.matches() && um.group(1).length() <= 10 ? Long.parseLong(um.group(1)) : -1;
        long uidLast = um.matches() && um.group(2).length() <= 10 ? Long.parseLong(um.group(2)) : -1;
        if (uidFirst < 1000 || uidLast > Integer.MAX_VALUE - 1 || uidFirst > uidLast) {
            throw bad("postgres.clone_uids", "'" + uids + "' must be FIRST-LAST within 1000-" + (Integer.MAX_VALUE - 1)
                    + ", a range no local user and no subordinate uid range (/etc/subuid) uses");
        }
        String roles = n.text("tcp_roles", "own");
        if (!roles.equals("own") && !roles.equals("all")) {
            throw bad("postgres.tcp_roles", "'" + roles + "' is not own (only the clone's role logs in over TCP) "
                    + "or all");
        }
        long memoryMax = n.size("memory_max", "0");
        if (memoryMax != 0 && memoryMax < (32L << 20)) {
            throw bad("postgres.memory_max", "must be 0 (no limit) or at least 32M: Postgres needs that to start");
        }
        long processesMax = n.count("processes_max", 0);
        if (processesMax != 0 && processesMax < 16) {
            throw bad("postgres.processes_max", "must be 0 (no limit) or at least 16: a postmaster starts about ten");
        }
        return new PostgresConfig(user, first, last, listen, host, binaries, superuser, Map.copyOf(settings),
                start, stop, (int) uidFirst, (int) uidLast, roles.equals("all"),
                new PostgresConfig.Limits(memoryMax, (int) processesMax));
    }

    private ApiConfig api(ConfigSection n, Path state) {
        n.keys(Set.of("listen", "tls", "tokens"));
        Path tokens = n.path("tokens", state.resolve("tokens.yaml"));
        ConfigSection tls = n.child("tls");
        tls.keys(Set.of("cert", "key", "names"));
        Path cert = tls.path("cert", null);
        Path key = tls.path("key", null);
        if ((cert == null) != (key == null)) {
            throw bad("api.tls", "give both cert and key, or neither (kopid then issues its own from its CA)");
        }
        List<String> names = tls.list("names");
        for (String h : names) {
            if (!h.matches("[A-Za-z0-9.:_-]+")) {
                throw bad("api.tls.names", "'" + h + "' is not a host name or address");
            }
        }
        String listen = n.text("listen", null);
        if (listen == null) {
            return new ApiConfig(null, 0, cert, key, names, tokens);
        }
        Matcher m = LISTEN.matcher(listen.strip());
        if (!m.matches()) {
            throw bad("api.listen", "'" + listen + "' is not HOST:PORT, e.g. 0.0.0.0:7433 or [::]:7433");
        }
        String host = m.group(1) != null ? m.group(1) : m.group(2);
        int port = m.group(3).length() > 5 ? -1 : Integer.parseInt(m.group(3));
        if (port < 1 || port > 65535) {
            throw bad("api.listen", "port " + m.group(3) + " is not within 1-65535");
        }
        return new ApiConfig(host, port, cert, key, names, tokens);
    }

    private static String defaultHost(String listen) {
        String first = listen.split(",")[0].trim();
        if (first.equals("*") || first.equals("0.0.0.0") || first.equals("::") || first.isEmpty()) {
            return "127.0.0.1";
        }
        return first;
    }

    private Map<String, Source> sources(JsonNode n) {
        Map<String, Source> out = new LinkedHashMap<>();
        if (!n.isMissingNode() && !n.isNull() && !n.isObject()) {
            throw bad("sources", "must be a mapping of source names to their settings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name;
            try {
                name = Names.require("source", e.getKey());
            } catch (KopiException ex) {
                throw bad("sources", ex.getMessage());
            }
            ConfigSection s = new ConfigSection(e.getValue(), "sources." + name + ".", origin);
            s.keys(Set.of("datadir", "basebackup", "dump", "seed", "superuser", "schedule", "keep", "transform",
                    "password_file", "password_env", "database", "jobs", "schemas", "exclude_schemas",
                    "exclude_tables", "exclude_table_data", "no_owner", "max_rate", "warm", "keep_passwords", "replica",
                    "slot", "wal_keep"));
            SourceDefinition d = SourceDefinition.builder(name).datadir(s.text("datadir", null))
                    .basebackup(s.text("basebackup", null)).dump(s.text("dump", null)).seed(s.list("seed"))
                    .superuser(s.text("superuser", null)).schedule(s.text("schedule", null))
                    .keep(s.has("keep") ? (int) s.count("keep", 0) : null).transforms(s.list("transform"))
                    .passwordFile(s.text("password_file", null)).passwordEnv(s.text("password_env", null))
                    .database(s.text("database", null)).jobs(s.has("jobs") ? (int) s.count("jobs", 0) : null)
                    .schemas(s.list("schemas")).excludeSchemas(s.list("exclude_schemas"))
                    .excludeTables(s.list("exclude_tables")).excludeTableData(s.list("exclude_table_data"))
                    .noOwner(s.has("no_owner") ? s.bool("no_owner", false) : null).maxRate(s.text("max_rate", null))
                    .warm(s.has("warm") ? (int) s.count("warm", 0) : null)
                    .keepPasswords(s.has("keep_passwords") ? s.bool("keep_passwords", false) : null)
                    .replica(s.text("replica", null)).slot(s.text("slot", null)).walKeep(s.text("wal_keep", null))
                    .build();
            try {
                out.put(name, d.toSource(Source.Origin.CONFIG));
            } catch (KopiException ex) {
                // "source NAME: key: problem" becomes "config FILE: sources.NAME.key: problem"
                String msg = ex.getMessage().replaceFirst("^source " + Pattern.quote(name) + ": ", "");
                throw KopiException.invalid("config " + origin + ": sources." + name + (msg.matches("^[a-z_]+: .*")
                        ? "." : ": ") + msg);
            }
        }
        return Map.copyOf(out);
    }

    private static int bytes(Path p) {
        return p.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    private KopiException bad(String key, String problem) {
        return ConfigSection.bad(origin, key, problem);
    }
}
