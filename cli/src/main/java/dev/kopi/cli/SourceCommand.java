package dev.kopi.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.kopi.proto.v1.AddSourceRequest;
import dev.kopi.proto.v1.RemoveSourceRequest;
import dev.kopi.proto.v1.Source;
import dev.kopi.proto.v1.SourceSettings;

/** kopictl source add|remove. */
@Command(name = "source", description = "Add or remove a source.",
        subcommands = {SourceCommand.Add.class, SourceCommand.Remove.class})
final class SourceCommand {
    /**
     * kopictl source add NAME (--datadir PATH | --basebackup CONNINFO | --dump CONNINFO | --seed FILE... | --replica CONNINFO)
     * [settings]. The flags mirror the config file's keys; kopid validates every value (so the CLI and
     * the daemon never disagree). File paths are made absolute here, since kopid does not share the
     * caller's working directory. A connection string may hold a password: it is sent, never printed;
     * what is shown is the location kopid returns, with the password masked.
     */
    @Command(name = "add", sortOptions = false,
            description = {"Add a source: a local data directory, a server to copy with pg_basebackup, a database "
                    + "to copy with pg_dump, a primary to follow with a standby, or SQL seed scripts.",
                    "kopid checks the values; 'kopictl refresh NAME' then builds the first snapshot."})
    static final class Add extends Base {
        @Parameters(paramLabel = "NAME")
        String name;

        @ArgGroup(exclusive = true, multiplicity = "1", order = 1,
                heading = "Where the data comes from (exactly one):%n")
        Kind kind;

        /** The five kinds of source. */
        static final class Kind {
            @Option(names = "--datadir", paramLabel = "PATH",
                    description = "a local data directory (stopped, or on the pool's filesystem if running)")
            String datadir;

            @Option(names = "--basebackup", paramLabel = "CONNINFO",
                    description = "a server to copy physically with pg_basebackup (libpq connection string)")
            String basebackup;

            @Option(names = "--dump", paramLabel = "CONNINFO",
                    description = "a database to copy logically with pg_dump and pg_restore (libpq connection string)")
            String dump;

            @Option(names = "--seed", paramLabel = "FILE",
                    description = "an SQL script run into a fresh cluster; repeat for several, run in the order given")
            List<String> seed;

            @Option(names = "--replica", paramLabel = "CONNINFO",
                    description = "a primary kopid follows with a standby of its own: refreshes are snapshots of "
                            + "it, and clones may start at a past moment (the role needs REPLICATION)")
            String replica;
        }

        @ArgGroup(exclusive = false, validate = false, order = 2,
                heading = "Settings (the keys of a source in kopid's config file):%n")
        Settings settings = new Settings();

        /** How the source is refreshed, prepared and copied. */
        static final class Settings {
            @Option(names = "--schedule", paramLabel = "CRON",
                    description = "refresh on this cron schedule, e.g. '0 3 * * *' or @daily")
            String schedule;

            @Option(names = "--keep", paramLabel = "N",
                    description = "keep the newest N snapshots (those with clones stay until their last clone "
                            + "goes); 0 = all")
            Integer keep;

            @Option(names = "--warm", paramLabel = "N",
                    description = "keep N clones of the newest snapshot started, so a clone is handed out in "
                            + "milliseconds (0-100)")
            Integer warm;

            @Option(names = "--keep-passwords",
                    description = "keep the roles' password hashes in the snapshots (default: removed)")
            boolean keepPasswords;

            @Option(names = "--transform", paramLabel = "FILE",
                    description = "an SQL script run on every new snapshot before it is sealed, e.g. masking; repeat "
                            + "for several, run in the order given")
            List<String> transforms = new ArrayList<>();

            @Option(names = "--password-file", paramLabel = "FILE",
                    description = "basebackup, dump: a file (readable by kopid) whose first line is the password")
            String passwordFile;

            @Option(names = "--password-env", paramLabel = "VAR",
                    description = "basebackup, dump: an environment variable of kopid holding the password")
            String passwordEnv;

            @Option(names = "--superuser", paramLabel = "ROLE",
                    description = "the role to prepare snapshots as (default: guessed)")
            String superuser;

            @Option(names = "--database", paramLabel = "DB",
                    description = "dump, seed: the database created in the new cluster")
            String database;

            @Option(names = "--jobs", paramLabel = "N",
                    description = "dump: parallel jobs of pg_dump and pg_restore (default 2)")
            Integer jobs;

            @Option(names = "--schema", paramLabel = "PATTERN",
                    description = "dump: only these schemas (repeatable)")
            List<String> schemas = new ArrayList<>();

            @Option(names = "--exclude-schema", paramLabel = "PATTERN",
                    description = "dump: leave out these schemas (repeatable)")
            List<String> excludeSchemas = new ArrayList<>();

            @Option(names = "--exclude-table", paramLabel = "PATTERN",
                    description = "dump: leave out these tables (repeatable)")
            List<String> excludeTables = new ArrayList<>();

            @Option(names = "--exclude-table-data", paramLabel = "PATTERN",
                    description = "dump: copy these tables' definitions but not their rows (repeatable)")
            List<String> excludeTableData = new ArrayList<>();

            @Option(names = "--no-owner", description = "dump: restore without owners and privileges")
            boolean noOwner;

            @Option(names = "--max-rate", paramLabel = "RATE",
                    description = "basebackup, replica: pg_basebackup's --max-rate, e.g. 50M")
            String maxRate;

            @Option(names = "--slot", paramLabel = "NAME",
                    description = "replica: a physical replication slot on the primary (created if missing, "
                            + "dropped with the source)")
            String slot;

            @Option(names = "--wal-keep", paramLabel = "DURATION",
                    description = "replica: how far back point-in-time clones may go (default 24h)")
            String walKeep;
        }

        @Override
        void run(Connection c) {
            Source s = c.sources().addSource(request());
            if (root().json()) {
                Output.json(out(), Views.source(s));
                return;
            }
            out().println("added source " + s.getName() + " (" + s.getKind() + " " + s.getLocation()
                    + "); next: kopictl refresh " + s.getName());
            if (!s.getSettings().getSchedule().isEmpty()) {
                out().println(schedule(s, Instant.now()));
            }
        }

        /** "schedule: at 03:00 (0 3 * * *); next refresh in 4h59m (2026-11-24 03:00:00Z)". */
        static String schedule(Source s, Instant now) {
            String expression = s.getSettings().getSchedule();
            String description = s.getScheduleDescription();
            String next = s.getNextRefreshAt();
            return "schedule: " + (description.isEmpty() || description.equals(expression) ? expression
                    : description + " (" + expression + ")") + "; next refresh "
                    + (next.isEmpty() ? "never" : Output.next(next, now) + " (" + Output.time(next) + ")");
        }

        /** The flags as they are, but file paths absolute: no checks that are kopid's to make. */
        AddSourceRequest request() {
            AddSourceRequest.Builder req = AddSourceRequest.newBuilder().setName(name);
            if (kind.datadir != null) {
                req.setDatadir(absolute(kind.datadir));
            } else if (kind.basebackup != null) {
                req.setBasebackup(kind.basebackup);
            } else if (kind.dump != null) {
                req.setDump(kind.dump);
            } else if (kind.replica != null) {
                req.setReplica(kind.replica);
            } else {
                kind.seed.forEach(f -> req.addSeed(absolute(f)));
            }
            SourceSettings.Builder s = SourceSettings.newBuilder();
            if (settings.schedule != null) {
                s.setSchedule(settings.schedule);
            }
            if (settings.warm != null) {
                s.setWarm(settings.warm);
            }
            if (settings.keep != null) {
                s.setKeep(settings.keep);
            }
            settings.transforms.forEach(f -> s.addTransforms(absolute(f)));
            if (settings.passwordFile != null) {
                s.setPasswordFile(absolute(settings.passwordFile));
            }
            if (settings.passwordEnv != null) {
                s.setPasswordEnv(settings.passwordEnv);
            }
            if (settings.superuser != null) {
                s.setSuperuser(settings.superuser);
            }
            if (settings.database != null) {
                s.setDatabase(settings.database);
            }
            if (settings.jobs != null) {
                s.setJobs(settings.jobs);
            }
            s.addAllSchemas(settings.schemas).addAllExcludeSchemas(settings.excludeSchemas)
                    .addAllExcludeTables(settings.excludeTables).addAllExcludeTableData(settings.excludeTableData)
                    .setNoOwner(settings.noOwner).setKeepPasswords(settings.keepPasswords);
            if (settings.maxRate != null) {
                s.setMaxRate(settings.maxRate);
            }
            if (settings.slot != null) {
                s.setSlot(settings.slot);
            }
            if (settings.walKeep != null) {
                s.setWalKeep(settings.walKeep);
            }
            return req.setSettings(s).build();
        }

        /**
         * A path as kopid must get it: absolute and normalized, since kopid resolves nothing against
         * the caller's directory. Empty stays empty (kopid says what is missing, rather than the CLI
         * quietly sending the current directory).
         */
        static String absolute(String path) {
            if (path.isEmpty()) {
                return path;
            }
            try {
                return Path.of(path).toAbsolutePath().normalize().toString();
            } catch (InvalidPathException e) {
                throw new CliException("'" + Output.cell(path) + "' is not a path (" + e.getReason() + ")");
            }
        }
    }

    /** kopictl source remove NAME [--force]. */
    @Command(name = "remove", description = "Remove a source that has no snapshots. A replica source's standby "
            + "goes too, and its replication slot is dropped on the primary: a primary that cannot be reached "
            + "refuses the removal, unless --force.")
    static final class Remove extends Base {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--force", description = "Remove a replica source even if its primary cannot be reached; "
                + "its replication slot is then left there, holding WAL, for you to drop.")
        boolean force;

        @Override
        void run(Connection c) {
            c.sources().removeSource(RemoveSourceRequest.newBuilder().setName(name).setForce(force).build());
            if (root().json()) {
                Output.json(out(), Map.of("removed", name));
            } else {
                out().println("removed source " + name);
            }
        }
    }
}
