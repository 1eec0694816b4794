package dev.kopi.daemon.source;

import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.core.Durations;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Names;

/**
 * A source as written by a person, in the config file or on {@code kopictl source add}: raw
 * values, validated in one place by {@link #toSource} before any of them reaches a path, an
 * argv or the catalog. Key names in errors are the config file's (the CLI flags mirror them).
 */
public record SourceDefinition(String name, String datadir, String basebackup, String dump, List<String> seed,
                               String superuser, String schedule, Integer keep, List<String> transforms,
                               String passwordFile, String passwordEnv, String database, Integer jobs,
                               List<String> schemas, List<String> excludeSchemas, List<String> excludeTables,
                               List<String> excludeTableData, Boolean noOwner, String maxRate, Integer warm,
                               Boolean keepPasswords, String replica, String slot, String walKeep) {
    private static final Pattern ENV = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    /** pg_basebackup --max-rate: kilobytes per second, suffix k or M (exactly so: it refuses K and m). */
    private static final Pattern RATE = Pattern.compile("(\\d{1,7})([kM]?)");
    private static final Pattern ROLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_$.-]{0,62}");
    /** Replication slot names: lower case letters, digits and underscores, as Postgres requires. */
    private static final Pattern SLOT = Pattern.compile("[a-z0-9_]{1,63}");
    /** How far back point-in-time clones of a replica source go unless wal_keep says otherwise. */
    public static final String DEFAULT_WAL_KEEP = "24h";

    public SourceDefinition {
        seed = orEmpty(seed);
        transforms = orEmpty(transforms);
        schemas = orEmpty(schemas);
        excludeSchemas = orEmpty(excludeSchemas);
        excludeTables = orEmpty(excludeTables);
        excludeTableData = orEmpty(excludeTableData);
    }

    /** A definition named {@code name} with nothing set yet. */
    public static Builder builder(String name) {
        return new Builder().name(name);
    }

    /** A data directory source with nothing else set. */
    public static SourceDefinition ofDatadir(String name, String datadir, String superuser) {
        return builder(name).datadir(datadir).superuser(superuser).build();
    }

    /** Builds a {@link SourceDefinition}: what is not set is "not given" (null, or empty for lists). */
    public static final class Builder {
        private String name;
        private String datadir;
        private String basebackup;
        private String dump;
        private List<String> seed;
        private String superuser;
        private String schedule;
        private Integer keep;
        private List<String> transforms;
        private String passwordFile;
        private String passwordEnv;
        private String database;
        private Integer jobs;
        private List<String> schemas;
        private List<String> excludeSchemas;
        private List<String> excludeTables;
        private List<String> excludeTableData;
        private Boolean noOwner;
        private String maxRate;
        private Integer warm;
        private Boolean keepPasswords;
        private String replica;
        private String slot;
        private String walKeep;

        private Builder() {
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder datadir(String v) {
            datadir = v;
            return this;
        }

        public Builder basebackup(String v) {
            basebackup = v;
            return this;
        }

        public Builder dump(String v) {
            dump = v;
            return this;
        }

        public Builder seed(List<String> v) {
            seed = v;
            return this;
        }

        public Builder superuser(String v) {
            superuser = v;
            return this;
        }

        public Builder schedule(String v) {
            schedule = v;
            return this;
        }

        public Builder keep(Integer v) {
            keep = v;
            return this;
        }

        public Builder transforms(List<String> v) {
            transforms = v;
            return this;
        }

        public Builder passwordFile(String v) {
            passwordFile = v;
            return this;
        }

        public Builder passwordEnv(String v) {
            passwordEnv = v;
            return this;
        }

        public Builder database(String v) {
            database = v;
            return this;
        }

        public Builder jobs(Integer v) {
            jobs = v;
            return this;
        }

        public Builder schemas(List<String> v) {
            schemas = v;
            return this;
        }

        public Builder excludeSchemas(List<String> v) {
            excludeSchemas = v;
            return this;
        }

        public Builder excludeTables(List<String> v) {
            excludeTables = v;
            return this;
        }

        public Builder excludeTableData(List<String> v) {
            excludeTableData = v;
            return this;
        }

        public Builder noOwner(Boolean v) {
            noOwner = v;
            return this;
        }

        public Builder maxRate(String v) {
            maxRate = v;
            return this;
        }

        public Builder warm(Integer v) {
            warm = v;
            return this;
        }

        public Builder keepPasswords(Boolean v) {
            keepPasswords = v;
            return this;
        }

        public Builder replica(String v) {
            replica = v;
            return this;
        }

        public Builder slot(String v) {
            slot = v;
            return this;
        }

        public Builder walKeep(String v) {
            walKeep = v;
            return this;
        }

        public SourceDefinition build() {
            return new SourceDefinition(name, datadir, basebackup, dump, seed, superuser, schedule,
                    keep, transforms, passwordFile, passwordEnv, database, jobs, schemas,
                    excludeSchemas, excludeTables, excludeTableData, noOwner, maxRate, warm, keepPasswords,
                    replica, slot, walKeep);
        }
    }

    /** Validates every value; INVALID_ARGUMENT naming the key and what to write instead. */
    public Source toSource(Source.Origin origin) {
        // The config file is written by the admin and may say /data/pg/../pg2/; the API takes
        // only normalized paths, so what a client sees stored is what it sent.
        boolean normalize = origin == Source.Origin.CONFIG;
        Names.require("source", name);
        int kinds = (blank(datadir) ? 0 : 1) + (blank(basebackup) ? 0 : 1) + (blank(dump) ? 0 : 1)
                + (seed.isEmpty() ? 0 : 1) + (blank(replica) ? 0 : 1);
        if (kinds != 1) {
            throw bad("", (kinds == 0 ? "give" : "give only one of") + " where its data comes from: datadir (a local "
                    + "data directory), basebackup (a server to copy physically), dump (a database to copy logically), "
                    + "replica (a primary to follow with a standby) or seed (SQL scripts)");
        }
        Source.Kind kind;
        Path dir = null;
        Conninfo conn = null;
        List<Path> scripts = List.of();
        if (!blank(datadir)) {
            kind = Source.Kind.DATADIR;
            dir = absolute("datadir", datadir, normalize);
        } else if (!blank(basebackup)) {
            kind = Source.Kind.BASEBACKUP;
            conn = conninfo("basebackup", basebackup);
        } else if (!blank(dump)) {
            kind = Source.Kind.DUMP;
            conn = conninfo("dump", dump);
        } else if (!blank(replica)) {
            kind = Source.Kind.REPLICA;
            conn = conninfo("replica", replica);
        } else {
            kind = Source.Kind.SEED;
            scripts = paths("seed", seed, normalize);
        }
        if (superuser != null && !ROLE.matcher(superuser).matches()) {
            throw bad("superuser", "'" + printable(superuser) + "' is not a role name");
        }
        if (schedule != null && !schedule.isBlank()) {
            try {
                Schedule.parse(schedule);
            } catch (KopiException e) {
                throw bad("schedule", e.getMessage());
            }
        }
        if (warm != null && (warm < 0 || warm > 100)) {
            throw bad("warm", "must be between 0 and 100 warm clones, got " + warm);
        }
        if (keep != null && keep < 0) {
            throw bad("keep", "must be 0 (keep all) or more, got " + keep);
        }
        List<Path> transformPaths = paths("transform", transforms, normalize);
        boolean remote = kind == Source.Kind.BASEBACKUP || kind == Source.Kind.DUMP || kind == Source.Kind.REPLICA;
        if (!remote && (passwordFile != null || passwordEnv != null)) {
            throw bad(passwordFile != null ? "password_file" : "password_env",
                    "only basebackup, dump and replica sources connect to a server");
        }
        replicaOptions(kind);
        String pwFile = passwordFile == null ? null : absolute("password_file", passwordFile, normalize).toString();
        if (passwordEnv != null && !ENV.matcher(passwordEnv).matches()) {
            throw bad("password_env", "'" + printable(passwordEnv) + "' is not an environment variable name");
        }
        int ways = (conn != null && conn.password() != null ? 1 : 0) + (passwordFile != null ? 1 : 0)
                + (passwordEnv != null ? 1 : 0);
        if (ways > 1) {
            throw bad(passwordFile != null ? "password_file" : "password_env", "give the password one way: in the "
                    + "connection string, password_file or password_env");
        }
        // PostgreSQL names are at most 63 bytes (NAMEDATALEN - 1); longer ones are silently truncated
        if (database != null && (database.isEmpty()
                || database.getBytes(StandardCharsets.UTF_8).length > 63
                || Names.hasControlCharacters(database))) {
            throw bad("database", "'" + printable(database) + "' is not a database name (1-63 bytes)");
        }
        if (database != null && kind != Source.Kind.DUMP && kind != Source.Kind.SEED) {
            throw bad("database", "only dump and seed sources create a database");
        }
        String dumpOption = jobs != null ? "jobs" : !schemas.isEmpty() ? "schemas"
                : !excludeSchemas.isEmpty() ? "exclude_schemas" : !excludeTables.isEmpty() ? "exclude_tables"
                : !excludeTableData.isEmpty() ? "exclude_table_data" : noOwner != null ? "no_owner" : null;
        if (dumpOption != null && kind != Source.Kind.DUMP) {
            throw bad(dumpOption, "jobs, schemas, exclude_schemas, exclude_tables, exclude_table_data and no_owner are "
                    + "options of dump sources");
        }
        if (jobs != null && (jobs < 1 || jobs > 64)) {
            throw bad("jobs", "must be between 1 and 64, got " + jobs);
        }
        patterns("schemas", schemas);
        patterns("exclude_schemas", excludeSchemas);
        patterns("exclude_tables", excludeTables);
        patterns("exclude_table_data", excludeTableData);
        if (maxRate != null) {
            if (kind != Source.Kind.BASEBACKUP && kind != Source.Kind.REPLICA) {
                throw bad("max_rate", "is an option of basebackup and replica sources");
            }
            var m = RATE.matcher(maxRate);
            long kb = m.matches() ? Long.parseLong(m.group(1)) * (m.group(2).equals("M") ? 1024 : 1) : -1;
            if (kb < 32 || kb > 1024 * 1024) {
                throw bad("max_rate", "'" + printable(maxRate) + "' is not a transfer rate between 32k and 1024M "
                        + "(kilobytes per second; suffix k or M)");
            }
        }
        SourceSettings.DumpOptions dumpOpts = new SourceSettings.DumpOptions(jobs == null ? 0 : jobs, schemas,
                excludeSchemas, excludeTables, excludeTableData, Boolean.TRUE.equals(noOwner));
        SourceSettings settings = new SourceSettings(blank(schedule) ? null : schedule.strip(), keep == null ? 0 : keep,
                transformPaths.stream().map(Path::toString).toList(), pwFile, passwordEnv, database, dumpOpts,
                maxRate, warm == null ? 0 : warm, Boolean.TRUE.equals(keepPasswords), blank(slot) ? null : slot,
                kind == Source.Kind.REPLICA ? (blank(walKeep) ? DEFAULT_WAL_KEEP : walKeep.strip()) : null);
        return new Source(name, kind, dir, conn, scripts, superuser, settings, origin);
    }

    /** slot and wal_keep belong to replica sources; a slot name goes into SQL, so it is checked strictly. */
    private void replicaOptions(Source.Kind kind) {
        if (kind != Source.Kind.REPLICA && (slot != null || walKeep != null)) {
            throw bad(slot != null ? "slot" : "wal_keep", "is an option of replica sources");
        }
        if (slot != null && !SLOT.matcher(slot).matches()) {
            throw bad("slot", "'" + printable(slot) + "' is not a replication slot name (1-63 lower case letters, "
                    + "digits and underscores)");
        }
        if (walKeep != null) {
            try {
                if (Durations.parse(walKeep).isZero()) {
                    throw new IllegalArgumentException("must be more than 0");
                }
            } catch (IllegalArgumentException e) {
                throw bad("wal_keep", e.getMessage());
            }
        }
    }

    private Conninfo conninfo(String key, String text) {
        if (Names.hasControlCharacters(text)) {
            throw bad(key, "the connection string holds control characters");
        }
        try {
            return Conninfo.parse(text);
        } catch (KopiException e) {
            throw bad(key, e.getMessage());
        }
    }

    private List<Path> paths(String key, List<String> values, boolean normalize) {
        List<Path> out = new ArrayList<>();
        for (String v : values) {
            out.add(absolute(key, v, normalize));
        }
        return List.copyOf(out);
    }

    private Path absolute(String key, String value, boolean normalize) {
        Path p;
        try {
            p = Path.of(value);
        } catch (InvalidPathException e) {
            throw bad(key, "'" + printable(value) + "' cannot be used as a path by this kopid (" + e.getReason()
                    + "; start kopid with a UTF-8 locale, e.g. LANG=C.UTF-8)");
        }
        if (!p.isAbsolute() || (!normalize && !p.normalize().equals(p)) || Names.hasControlCharacters(value)) {
            throw bad(key, "must be an absolute" + (normalize ? "" : ", normalized") + " path, got '"
                    + printable(value) + "'");
        }
        return p.normalize();
    }

    /** pg_dump patterns go on argv as --opt=PATTERN, so a leading '-' cannot become an option. */
    private void patterns(String key, List<String> values) {
        for (String v : values) {
            if (v.isBlank() || Names.hasControlCharacters(v) || v.length() > 200) {
                throw bad(key, "'" + printable(v) + "' is not a pg_dump pattern");
            }
        }
    }

    private KopiException bad(String key, String problem) {
        return KopiException.invalid("source " + name + (key.isEmpty() ? "" : ": " + key) + ": " + problem);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static List<String> orEmpty(List<String> l) {
        return l == null ? List.of() : List.copyOf(l);
    }

    private static String printable(String s) {
        return s.codePoints().limit(80)
                .collect(StringBuilder::new, (b, cp) -> b.appendCodePoint(Character.isISOControl(cp) ? '?' : cp),
                        StringBuilder::append).toString();
    }
}
