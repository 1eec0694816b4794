package dev.kopi.cli;

import java.util.ArrayList;
import java.util.List;

import dev.kopi.proto.v1.ListSourcesRequest;
import dev.kopi.proto.v1.Source;
import picocli.CommandLine.Command;

/** kopictl sources. */
@Command(name = "sources", description = "List sources and their last refresh.")
final class SourcesCommand extends Base {
    @Override
    void run(Connection c) {
        List<Source> sources = c.sources().listSources(ListSourcesRequest.getDefaultInstance()).getSourcesList();
        if (root().json()) {
            Output.json(out(), sources.stream().map(Views::source).toList());
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (Source s : sources) {
            String last = s.getRefreshing() ? "running"
                    : !s.hasLastRefresh() ? "never"
                    : s.getLastRefresh().getOk() ? "ok " + Output.time(s.getLastRefresh().getStartedAt()) + " ("
                            + Output.millis(s.getLastRefresh().getDurationMs()) + ")"
                    : "FAILED " + Output.time(s.getLastRefresh().getStartedAt()) + ": " + s.getLastRefresh().getError();
            rows.add(List.of(s.getName(), s.getKind(), s.getLocation(), Integer.toString(s.getSnapshotCount()),
                    s.getLatestSnapshot().isEmpty() ? "-" : s.getLatestSnapshot(), last));
        }
        Output.table(out(), List.of("name", "kind", "location", "snapshots", "latest", "last refresh"), rows);
    }
}
