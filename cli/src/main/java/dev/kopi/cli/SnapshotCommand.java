package dev.kopi.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.kopi.proto.v1.CreateSnapshotRequest;
import dev.kopi.proto.v1.Snapshot;

/**
 * kopictl snapshot CLONE --name NAME [--message TEXT]: prints the new snapshot's name (NAME@TAG).
 * Checkpointing the clone and recovering the copy takes seconds to minutes; the snapshot stub's
 * deadline ({@link dev.kopi.client.KopiChannel#DEADLINE_MINUTES}) is generous enough, and still
 * ends a call to a hung kopid.
 */
@Command(name = "snapshot", description = "Snapshot a clone's current state; prints the snapshot's name.")
final class SnapshotCommand extends Base {
    @Parameters(paramLabel = "CLONE")
    String clone;

    @Option(names = "--name", paramLabel = "NAME", required = true,
            description = "the snapshot line's name (like a source name); NAME then resolves to the new snapshot")
    String name;

    @Option(names = {"-m", "--message"}, paramLabel = "TEXT", description = "a note shown in snapshots -o json")
    String message;

    @Override
    void run(Connection c) {
        CreateSnapshotRequest.Builder req = CreateSnapshotRequest.newBuilder().setClone(clone).setName(name);
        if (message != null) {
            req.setMessage(message);
        }
        Snapshot s = c.snapshots().createSnapshot(req.build());
        if (root().json()) {
            Output.json(out(), Views.snapshot(s));
        } else {
            out().println(s.getName());
        }
    }
}
