package dev.kopi.cli;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CreateCloneRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** kopictl clone SNAPSHOT [--name NAME]: prints the libpq URI and nothing else. */
@Command(name = "clone", description = "Clone a snapshot and start Postgres on it; prints the connection URI.")
final class CloneCommand extends Base {
    @Parameters(paramLabel = "SNAPSHOT", description = "SOURCE (its newest snapshot) or SOURCE@TAG")
    String snapshot;

    @Option(names = "--name", paramLabel = "NAME", description = "clone name (default: generated)")
    String name;

    @Option(names = "--database", paramLabel = "DB", description = "database in the URI (default: the snapshot's main one)")
    String database;

    @Override
    void run(Connection c) {
        CreateCloneRequest.Builder req = CreateCloneRequest.newBuilder().setSnapshot(snapshot);
        if (name != null) {
            req.setName(name);
        }
        if (database != null) {
            req.setDatabase(database);
        }
        Clone clone = c.clones().createClone(req.build());
        if (root().json()) {
            Output.json(out(), Views.clone(clone));
        } else {
            out().println(clone.getUri());
        }
    }
}
