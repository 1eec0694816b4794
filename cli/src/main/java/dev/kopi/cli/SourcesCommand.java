package dev.kopi.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Command;

import dev.kopi.proto.v1.ListSourcesRequest;
import dev.kopi.proto.v1.RefreshResult;
import dev.kopi.proto.v1.Source;
import dev.kopi.proto.v1.StandbyStatus;

/**
 * kopictl sources: where each source reads from, when it refreshes next, how many snapshots it
 * keeps and has, and how its last refresh went. -o json has the full settings.
 */
@Command(name = "sources", description = "List sources, their schedules and their last refresh.")
final class SourcesCommand extends Base {
    /** Errors can be long (a tool's stderr): the table shows their start, -o json all of it. */
    static final int ERROR_WIDTH = 60;

    @Override
    void run(Connection c) {
        List<Source> sources = c.sources().listSources(ListSourcesRequest.getDefaultInstance()).getSourcesList();
        if (root().json()) {
            Output.json(out(), sources.stream().map(Views::source).toList());
            return;
        }
        Instant now = Instant.now();
        List<List<String>> rows = new ArrayList<>();
        for (Source s : sources) {
            String schedule = s.getSettings().getSchedule();
            int keep = s.getSettings().getKeep();
            rows.add(List.of(s.getName(), s.getKind(), s.getLocation(), schedule.isEmpty() ? "-" : schedule,
                    Output.next(s.getNextRefreshAt(), now), keep <= 0 ? "all" : Integer.toString(keep),
                    Integer.toString(s.getSnapshotCount()), lastRefresh(s, now)));
        }
        Output.table(out(), List.of("name", "kind", "location", "schedule", "next", "keep", "snapshots",
                "last refresh"), rows);
        for (Source s : sources) {
            if (s.hasStandby()) {
                out().println(standby(s, now));
            }
        }
    }

    /** "prod: standby streaming, lag 0s, data as of 3s ago (0/3000148)". */
    static String standby(Source s, Instant now) {
        StandbyStatus st = s.getStandby();
        String asOf = st.getDataAsOf().isEmpty() ? "" : ", data as of " + Output.ago(st.getDataAsOf(), now);
        return s.getName() + ": standby " + st.getState() + (st.getState().equals("not seeded") ? " (the first "
                + "refresh seeds it)" : ", lag " + Output.took(Math.round(st.getLagSeconds() * 1000)) + asOf
                + (st.getReplayLsn().isEmpty() ? "" : " (replayed to " + st.getReplayLsn() + ")"));
    }

    /** "ok 2h ago (1m12s)", "unchanged 5m ago", "FAILED 3m ago: ...", "running" or "-". */
    static String lastRefresh(Source s, Instant now) {
        if (s.getRefreshing()) {
            return "running";
        }
        if (!s.hasLastRefresh()) {
            return "-";
        }
        RefreshResult r = s.getLastRefresh();
        String when = Output.ago(r.getStartedAt(), now);
        if (!r.getOk()) {
            return "FAILED " + when + ": " + shorten(KopiCtl.oneLine(r.getError()), ERROR_WIDTH);
        }
        if (r.getUnchanged()) {
            return "unchanged " + when;
        }
        return "ok " + when + " (" + Output.took(r.getDurationMs()) + ")";
    }

    static String shorten(String s, int max) {
        return s.codePointCount(0, s.length()) <= max ? s : s.substring(0, s.offsetByCodePoints(0, max)) + "...";
    }
}
