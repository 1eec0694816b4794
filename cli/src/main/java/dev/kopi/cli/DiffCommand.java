package dev.kopi.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.kopi.proto.v1.DiffCloneRequest;
import dev.kopi.proto.v1.SchemaDiff;

/**
 * kopictl diff CLONE [--against SNAPSHOT] [--database DB] [--exit-code]: what the clone changed
 * in the schema, as a unified diff (nothing when equal, like git diff) or with -o json as
 * added/removed/changed objects. With --exit-code the exit code says whether they differ (1) or
 * not (0), and a failure exits 2, as diff(1) does: a CI job must not read "kopid is down" as
 * "the migration changed something".
 */
@Command(name = "diff", description = "Show what a clone changed in the schema, against its snapshot or another one.")
final class DiffCommand extends Base {
    @Parameters(paramLabel = "CLONE")
    String name;

    @Option(names = "--against", paramLabel = "SNAPSHOT",
            description = "compare with this snapshot, SOURCE (its newest) or SOURCE@TAG (default: the clone's own)")
    String against;

    @Option(names = "--database", paramLabel = "DB", description = "the database to compare (default: the clone's)")
    String database;

    @Option(names = "--exit-code", description = "exit 1 when the schemas differ, 0 when equal (a failure exits 2)")
    boolean exitCode;

    private boolean differ;

    @Override
    void run(Connection c) {
        DiffCloneRequest.Builder req = DiffCloneRequest.newBuilder().setName(name);
        if (against != null) {
            req.setAgainst(against);
        }
        if (database != null) {
            req.setDatabase(database);
        }
        SchemaDiff d = c.schemas().diffClone(req.build());
        differ = d.getAddedCount() + d.getRemovedCount() + d.getChangedCount() > 0;
        if (root().json()) {
            Output.json(out(), Views.schemaDiff(d));
            return;
        }
        out().print(d.getText());
        if (d.getTruncated()) {
            err().println("kopictl: the diff is too large to show whole; 'kopictl diff -o json' lists every object");
        }
    }

    @Override
    int afterClose() {
        return exitCode && differ ? 1 : 0;
    }

    @Override
    int errorExitCode() {
        return exitCode ? 2 : 1;
    }
}
