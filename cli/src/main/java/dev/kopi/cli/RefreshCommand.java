package dev.kopi.cli;

import java.util.Iterator;
import java.util.Locale;

import dev.kopi.proto.v1.RefreshEvent;
import dev.kopi.proto.v1.RefreshRequest;
import dev.kopi.proto.v1.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * kopictl refresh SOURCE: builds a new snapshot, showing progress on stderr (a bar on a
 * terminal, plain lines otherwise) and printing the new snapshot's name on stdout.
 */
@Command(name = "refresh", description = "Make a new prepared snapshot of a source.")
final class RefreshCommand extends Base {
    @Parameters(paramLabel = "SOURCE")
    String source;

    @Override
    void run(Connection c) {
        boolean tty = System.console() != null;
        Iterator<RefreshEvent> events = c.sources().refresh(RefreshRequest.newBuilder().setName(source).build());
        Snapshot done = null;
        String lastPhase = "";
        String lastMessage = "";
        long lastPercentLine = -1;
        while (events.hasNext()) {
            RefreshEvent e = events.next();
            if (e.hasSnapshot()) {
                done = e.getSnapshot();
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
        if (tty) {
            err().println();
        }
        if (done == null) {
            throw new CliException("refresh of " + source + " ended without a snapshot");
        }
        if (root().json()) {
            Output.json(out(), Views.snapshot(done));
        } else {
            out().println(done.getName());
        }
    }

    static String render(RefreshEvent e) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-8s", e.getPhase()));
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
