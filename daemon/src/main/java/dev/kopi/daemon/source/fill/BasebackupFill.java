package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.PgTools;
import dev.kopi.daemon.source.Progress;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.VolumeId;

/** A physical copy of a live server: pg_basebackup with the WAL streamed alongside. */
final class BasebackupFill extends Fill {
    final SourceServer server;
    SourceServer.Facts facts;

    BasebackupFill(Source source, SourceServer server, Staging staging) {
        super(source, staging);
        this.server = server;
        originalOwner = source.conninfo().get("user"); // often the copy's superuser too
    }

    @Override
    public void check(Progress progress) {
        progress.report("connect", "connecting to " + server.describe(), 0, 0);
        facts = server.probe(staging.tools.binaries().newest());
        version = facts.major();
        if (!staging.tools.binaries().installed().contains(version) && !staging.tools.binaries().installed().isEmpty()) {
            throw KopiException.precondition(server.describe() + " is PostgreSQL " + facts.version() + ": its "
                    + "physical copy runs only on PostgreSQL " + version + ", which is not installed here "
                    + "(install postgresql-" + version + "), or use a dump source to copy it across versions");
        }
        staging.tools.binaries().dir(version);
        staging.requireSpace(facts.clusterBytes(), "a physical copy of " + server.describe());
    }

    @Override
    public Path make(VolumeId volume, String id, Progress progress) throws IOException {
        Path dir = staging.ownedVolume(volume);
        List<String> args = new ArrayList<>(List.of("--pgdata=" + dir, "--wal-method=stream",
                "--checkpoint=fast", "--label=kopi " + source.name(),
                // The seal (a Btrfs or ZFS snapshot) writes everything out: fsync here is wasted time.
                "--no-sync"));
        if (source.settings().maxRate() != null) {
            args.add("--max-rate=" + source.settings().maxRate());
        }
        for (Map.Entry<String, String> t : facts.tablespaces().entrySet()) {
            // Tablespaces land inside the copy, never at the source's paths on this host.
            args.add("--tablespace-mapping=" + t.getValue().replace("=", "\\=") + "="
                    + dir.resolve("kopi_tablespaces").resolve(t.getKey()));
        }
        args.addAll(server.connectArgs());
        try (DirectoryMeter m = new DirectoryMeter(dir, 0, facts.clusterBytes(), progress, "copy",
                "pg_basebackup from " + server.describe())) {
            staging.tools.require("pg_basebackup from " + server.describe(), version, "pg_basebackup", args, server.env(),
                    PgTools.LONG);
        }
        progress.report("copy", "copied " + DirectoryMeter.size(dir) / (1024 * 1024) + " MB", facts.clusterBytes(),
                facts.clusterBytes());
        return dir;
    }

    @Override
    public String verifyMessage() {
        return "replaying the streamed WAL to a consistent state, then shutting down cleanly";
    }
}
