package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.Instance;
import dev.kopi.daemon.postgres.PgTools;
import dev.kopi.daemon.source.Progress;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.sys.DirFd;

/** A logical copy: pg_dump of one database, restored into a fresh cluster. */
final class DumpFill extends Fill {
    /** The roles of a cluster are kilobytes; this bounds a file someone else wrote. */
    private static final int ROLES_MAX = 64 << 20;

    final SourceServer server;
    SourceServer.Facts facts;
    VolumeId dumpVolume;
    Path dumpDir;

    DumpFill(Source source, SourceServer server, Staging staging) {
        super(source, staging);
        this.server = server;
        originalOwner = "postgres";
    }

    @Override
    public void check(Progress progress) {
        progress.report("connect", "connecting to " + server.describe(), 0, 0);
        version = staging.tools.binaries().newest();
        facts = server.probe(version);
        if (facts.versionNum() / 10000 > Integer.parseInt(version)) {
            throw KopiException.precondition(server.describe() + " is PostgreSQL " + facts.version()
                    + ", newer than the newest PostgreSQL here (" + version + "), and pg_dump cannot dump a newer "
                    + "server: install postgresql-" + facts.major());
        }
        // The dump and the restored database exist side by side until the restore is done.
        staging.requireSpace(2 * facts.databaseBytes(), "a dump and restore of " + server.describe());
    }

    @Override
    public Path make(VolumeId volume, String id, Progress progress) throws IOException {
        SourceSettings.DumpOptions o = source.settings().dump();
        dumpVolume = VolumeId.staging(volume.name().substring(0, Math.min(volume.name().length(), 60)) + "-d");
        dumpDir = staging.ownedVolume(dumpVolume);
        List<String> args = new ArrayList<>(List.of("--format=directory", "--jobs=" + o.jobs(), "--no-sync",
                "--file=" + dumpDir.resolve("dump")));
        o.schemas().forEach(x -> args.add("--schema=" + x));
        o.excludeSchemas().forEach(x -> args.add("--exclude-schema=" + x));
        o.excludeTables().forEach(x -> args.add("--exclude-table=" + x));
        o.excludeTableData().forEach(x -> args.add("--exclude-table-data=" + x));
        args.addAll(server.connectArgs());
        try (DirectoryMeter m = new DirectoryMeter(dumpDir, 0, 0, progress, "dump",
                "pg_dump of " + facts.database() + " from " + server.describe())) {
            staging.tools.require("pg_dump of " + server.describe(), version, "pg_dump", args, server.env(), PgTools.LONG);
        }
        if (!o.noOwner()) {
            progress.report("dump", "copying the roles (without passwords) of " + server.describe(), 0, 0);
            List<String> roles = new ArrayList<>(List.of("--roles-only", "--no-role-passwords",
                    "--file=" + dumpDir.resolve("roles.sql"), "--database=" + facts.database()));
            roles.addAll(server.connectArgs());
            staging.tools.require("pg_dumpall --roles-only of " + server.describe(), version, "pg_dumpall", roles,
                    server.env(), Duration.ofMinutes(10));
        }
        Path dir = staging.ownedVolume(volume);
        staging.initdb(dir, version, progress);
        return dir;
    }

    @Override
    public void load(Instance inst, Progress progress) {
        SourceSettings.DumpOptions o = source.settings().dump();
        String db = source.settings().database() != null ? source.settings().database() : facts.database();
        staging.createDatabase(inst, db, facts.encoding(), facts.collate(), facts.ctype(), progress);
        if (!o.noOwner()) {
            applyRoles(inst);
        }
        List<String> args = new ArrayList<>(List.of("--jobs=" + o.jobs(), "--exit-on-error"));
        if (o.noOwner()) {
            args.add("--no-owner");
            args.add("--no-acl");
        }
        args.addAll(inst.connectArgs(db));
        args.add(dumpDir.resolve("dump").toString());
        long before = DirectoryMeter.size(inst.spec().dataDir());
        try (DirectoryMeter m = new DirectoryMeter(inst.spec().dataDir(), before, facts.databaseBytes(), progress,
                "restore", "pg_restore into " + db)) {
            staging.tools.require("pg_restore of the dump of " + server.describe(), version, "pg_restore", args, Map.of(),
                    PgTools.LONG);
        }
    }

    @Override
    public void cleanup() {
        if (dumpVolume != null) {
            staging.destroyQuietly(dumpVolume);
        }
    }

    /**
     * Creates the source's roles so owners and grants restore as they were. The bootstrap
     * superuser's own lines are left out: the source's idea of "postgres" (perhaps not a
     * superuser on a managed service) must not demote the role kopid works as. Errors are
     * expected and ignored (roles that exist already).
     */
    private void applyRoles(Instance inst) {
        byte[] raw;
        try (DirFd dir = DirFd.open(dumpDir)) {
            // Written by pg_dumpall in a volume the refresh identity owns: read through the open
            // directory, no link followed, no FIFO waited on, bounded.
            raw = dir.read("roles.sql", ROLES_MAX);
        } catch (IOException e) {
            throw KopiException.internal("cannot read the roles of " + server.describe() + ": " + e.getMessage(), e);
        }
        String own = "ROLE " + inst.spec().superuser();
        String kept = new String(raw, StandardCharsets.UTF_8).lines()
                .filter(l -> !l.startsWith("CREATE " + own + ";") && !l.startsWith("ALTER " + own + " "))
                .collect(Collectors.joining("\n", "", "\n"));
        List<String> args = new ArrayList<>(List.of("-X", "-q", "--file=-"));
        args.addAll(inst.connectArgs("postgres"));
        // Errors are expected and ignored: roles that exist already.
        staging.tools.run(version, "psql", args, Map.of(), kept.getBytes(StandardCharsets.UTF_8),
                Duration.ofMinutes(10));
    }
}
