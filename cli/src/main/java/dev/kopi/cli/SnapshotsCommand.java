package dev.kopi.cli;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import dev.kopi.proto.v1.ListSnapshotsRequest;
import dev.kopi.proto.v1.Snapshot;

/**
 * kopictl snapshots [SOURCE]. Snapshots taken of clones show the snapshot they branched from
 * (PARENT) and the clone (FROM); their messages are in -o json only, free text being too wide
 * for a table.
 */
@Command(name = "snapshots", description = "List snapshots; '*' marks what the source name resolves to.")
final class SnapshotsCommand extends Base {
    @Parameters(paramLabel = "SOURCE", arity = "0..1", description = "only this source's snapshots")
    String source;

    @Override
    void run(Connection c) {
        List<Snapshot> snaps = c.snapshots().listSnapshots(ListSnapshotsRequest.newBuilder()
                .setSource(source == null ? "" : source).build()).getSnapshotsList();
        if (root().json()) {
            Output.json(out(), snaps.stream().map(Views::snapshot).toList());
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (Snapshot s : snaps) {
            rows.add(List.of(s.getName() + (s.getLatest() ? " *" : ""), s.getSource(), Output.time(s.getCreatedAt()),
                    Output.bytes(s.getSizeBytes()), Output.bytesOrDash(s.getReferencedBytes()),
                    Integer.toString(s.getCloneCount()), Integer.toString(s.getChildCount()), s.getParent(),
                    s.getPreparedKey().isEmpty() ? s.getFromClone() : "prepared", s.getPostgresVersion(), s.getDatabase()));
        }
        Output.table(out(), List.of("name", "source", "created", "size", "referenced", "clones", "children", "parent",
                "from", "pg", "database"), rows);
    }
}
