package dev.kopi.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CreateCloneRequest;

/**
 * kopictl clone SNAPSHOT [--name NAME] [--ttl D] [--idle D] [--protect]: prints the libpq URI and
 * nothing else. Durations are passed to kopid as written; it validates them, so that the CLI and
 * the daemon can never disagree on what "7d" means.
 */
@Command(name = "clone", description = "Clone a snapshot and start Postgres on it; prints the connection URI.")
final class CloneCommand extends Base {
    @Mixin
    CaFileOption ca = new CaFileOption();

    @Parameters(paramLabel = "SNAPSHOT", description = "SOURCE (its newest snapshot) or SOURCE@TAG")
    String snapshot;

    @Option(names = "--name", paramLabel = "NAME", description = "clone name (default: generated)")
    String name;

    @Option(names = "--database", paramLabel = "DB", description = "database in the URI (default: the snapshot's main one)")
    String database;

    @Option(names = "--ttl", paramLabel = "DURATION",
            description = "destroy the clone after this long, e.g. 30m, 2h, 7d; 0 = never (default: kopid's clones.ttl)")
    String ttl;

    @Option(names = "--idle", paramLabel = "DURATION",
            description = "destroy the clone after this long without sessions; 0 = never (default: kopid's clones.idle_timeout)")
    String idle;

    @Option(names = "--protect", description = "exempt the clone from expiry and idle reaping")
    boolean protect;

    @Option(names = "--at", paramLabel = "TIME",
            description = "replica sources: the source as it was at this moment (RFC 3339, e.g. 2026-11-30T10:15:00Z),"
                    + " recovered from its kept WAL and masked like every snapshot")
    String at;

    @Option(names = "--lsn", paramLabel = "LSN",
            description = "replica sources: the source as it was at this WAL position, e.g. 0/3000148")
    String lsn;

    @Override
    void run(Connection c) {
        CreateCloneRequest.Builder req = CreateCloneRequest.newBuilder().setSnapshot(snapshot);
        if (name != null) {
            req.setName(name);
        }
        if (database != null) {
            req.setDatabase(database);
        }
        if (ttl != null) {
            req.setTtl(ttl);
        }
        if (idle != null) {
            req.setIdleTimeout(idle);
        }
        req.setProtect(protect);
        if (at != null) {
            req.setAt(at);
        }
        if (lsn != null) {
            req.setLsn(lsn);
        }
        Clone clone = ca.local(c.clones().createClone(req.build()));
        if (root().json()) {
            Output.json(out(), Views.clone(clone));
        } else {
            out().println(clone.getUri());
        }
    }
}
