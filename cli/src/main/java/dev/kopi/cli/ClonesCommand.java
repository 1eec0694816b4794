package dev.kopi.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.ListClonesRequest;

/**
 * kopictl clones [SNAPSHOT]: passwords are never shown in the table (a terminal gets shared,
 * recorded, screenshotted); -o json has them, for scripts.
 */
@Command(name = "clones", description = "List clones (passwords only in -o json).")
final class ClonesCommand extends Base {
    @Parameters(paramLabel = "SNAPSHOT", arity = "0..1", description = "only clones of this source or snapshot")
    String snapshot;

    @Override
    void run(Connection c) {
        List<Clone> clones = c.clones().listClones(ListClonesRequest.newBuilder()
                .setSnapshot(snapshot == null ? "" : snapshot).build()).getClonesList();
        if (root().json()) {
            Output.json(out(), clones.stream().map(Views::clone).toList());
            return;
        }
        Instant now = Instant.now();
        List<List<String>> rows = new ArrayList<>();
        for (Clone x : clones) {
            rows.add(List.of(x.getName(), x.getSnapshot(), Views.state(x.getState()), Integer.toString(x.getPort()),
                    x.getUser(), x.getDatabase(), Output.time(x.getCreatedAt()), Output.until(x.getExpiresAt(), now),
                    Output.timeout(x.getIdleTimeoutSeconds()), x.getProtected() ? "yes" : "",
                    Output.bytesOrDash(x.getUsedBytes()), x.getOwner().isEmpty() ? "-" : x.getOwner()));
        }
        Output.table(out(), List.of("name", "snapshot", "state", "port", "user", "database", "created", "expires",
                "idle", "protected", "used", "owner"), rows);
    }
}
