package dev.kopi.cli;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.kopi.proto.v1.RefreshEvent;
import dev.kopi.proto.v1.RefreshRequest;
import dev.kopi.proto.v1.Snapshot;

/**
 * kopictl refresh SOURCE: builds a new snapshot, showing progress on stderr (a bar on a
 * terminal, plain lines otherwise) and printing the new snapshot's name on stdout. A seed source
 * whose scripts have not changed gets no new snapshot: stderr says so, stdout names the existing
 * one. With --async kopid starts the refresh and answers at once; 'kopictl sources' shows how it ends.
 */
@Command(name = "refresh", description = "Make a new prepared snapshot of a source.")
final class RefreshCommand extends Base {
    @Parameters(paramLabel = "SOURCE")
    String source;

    @Option(names = "--async", description = "start the refresh and return at once ('kopictl sources' shows how it ends)")
    boolean async;

    @Override
    void run(Connection c) {
        Iterator<RefreshEvent> events = c.sources().refresh(RefreshRequest.newBuilder().setName(source)
                .setAsync(async).build());
        if (async) {
            started(events);
        } else {
            follow(events);
        }
    }

    /** The one "started" event an async refresh answers with. */
    private void started(Iterator<RefreshEvent> events) {
        if (!events.hasNext()) {
            throw new CliException("refresh of " + source + ": kopid did not say that it started");
        }
        // Nothing more is expected; should more come, closing the call does not stop the refresh.
        RefreshEvent e = events.next();
        if (root().json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("source", source);
            m.put("started", true);
            Output.json(out(), m);
        } else {
            out().println(e.getMessage());
        }
    }

    private void follow(Iterator<RefreshEvent> events) {
        boolean tty = System.console() != null;
        Snapshot done = null;
        boolean unchanged = false;
        String unchangedMessage = "";
        String lastPhase = "";
        String lastMessage = "";
        long lastPercentLine = -1;
        while (events.hasNext()) {
            RefreshEvent e = events.next();
            if (e.hasSnapshot()) {
                done = e.getSnapshot();
                unchanged = e.getUnchanged();
                if (unchanged) {
                    // Said once, below, rather than as a progress line.
                    unchangedMessage = e.getMessage();
                    continue;
                }
            }
            String line = render(e);
            if (tty) {
                err().print("\r\033[K" + line);
                err().flush();
            } else {
                // Without a terminal: every new step, but byte progress only every 10%.
                long pct = e.getBytesTotal() > 0 ? e.getBytesDone() * 10 / e.getBytesTotal() : -1;
                if (!e.getPhase().equals(lastPhase) || !e.getMessage().equals(lastMessage) || pct != lastPercentLine) {
                    err().println(line);
                    err().flush();
                }
                lastPercentLine = pct;
            }
            lastPhase = e.getPhase();
            lastMessage = e.getMessage();
        }
        if (tty && !lastPhase.isEmpty()) {
            err().println();
        }
        if (done == null) {
            throw new CliException("refresh of " + source + " ended without a snapshot");
        }
        if (unchanged) {
            err().println(unchangedMessage.startsWith("unchanged") ? unchangedMessage
                    : "unchanged: " + (unchangedMessage.isEmpty() ? done.getName() + " is still current"
                            : unchangedMessage));
            err().flush();
        }
        if (root().json()) {
            Output.json(out(), Views.snapshot(done));
        } else {
            out().println(done.getName());
        }
    }

    static String render(RefreshEvent e) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-9s ", e.getPhase()));
        if (e.getBytesTotal() > 0) {
            int pct = (int) Math.min(100, e.getBytesDone() * 100 / e.getBytesTotal());
            int filled = pct / 5;
            b.append('[').append("#".repeat(filled)).append(".".repeat(20 - filled)).append("] ")
                    .append(String.format(Locale.ROOT, "%3d%% ", pct))
                    .append(Output.bytes(e.getBytesDone())).append(" / ").append(Output.bytes(e.getBytesTotal())).append("  ");
        }
        b.append(e.getMessage()).append("  ").append(Output.millis(e.getElapsedMs()));
        return b.toString();
    }
}
