package dev.kopi.cli;

import java.util.Map;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.kopi.proto.v1.DeleteSnapshotRequest;
import dev.kopi.proto.v1.DeleteSnapshotResponse;

/** kopictl delete-snapshot SOURCE@TAG [--force]. */
@Command(name = "delete-snapshot", description = "Delete a snapshot (refused while clones use it, unless --force).")
final class DeleteSnapshotCommand extends Base {
    @Parameters(paramLabel = "SNAPSHOT", description = "SOURCE@TAG")
    String name;

    @Option(names = "--force", description = "destroy the snapshot's clones first")
    boolean force;

    @Override
    void run(Connection c) {
        DeleteSnapshotResponse r = c.snapshots().deleteSnapshot(DeleteSnapshotRequest.newBuilder().setName(name)
                .setForce(force).build());
        if (root().json()) {
            Output.json(out(), Map.of("deleted", r.getName(), "destroyedClones", r.getDestroyedClonesList()));
            return;
        }
        for (String clone : r.getDestroyedClonesList()) {
            out().println("destroyed " + clone);
        }
        out().println("deleted " + r.getName());
    }
}
