package dev.kopi.cli;

import java.util.Iterator;
import java.util.Locale;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import dev.kopi.proto.v1.Event;
import dev.kopi.proto.v1.WatchEventsRequest;

/**
 * kopictl events [--history N]: one line per event as it happens (AT KIND NAME REASON MESSAGE,
 * "-" for no reason so the columns stay split-able), or one JSON object per line with -o json.
 * Runs until kopid ends the stream (exit 0) or the stream fails (exit 1). Every line is flushed,
 * so that a pipe into grep or jq sees each event when it happens.
 */
@Command(name = "events", description = "Watch clone, snapshot and refresh events as they happen.")
final class EventsCommand extends Base {
    private int history;

    @Option(names = "--history", paramLabel = "N", description = "first replay up to N recent events (default: 0)")
    void history(int n) {
        if (n < 0) {
            throw new ParameterException(spec.commandLine(), "--history must not be negative: " + n);
        }
        history = n;
    }

    @Override
    void run(Connection c) {
        Iterator<Event> events = c.events().watchEvents(WatchEventsRequest.newBuilder().setHistory(history).build());
        while (events.hasNext()) {
            Event e = events.next();
            if (root().json()) {
                Output.jsonLine(out(), Views.event(e));
            } else {
                out().println(render(e));
                out().flush();
            }
        }
    }

    static String render(Event e) {
        StringBuilder b = new StringBuilder();
        b.append(Output.time(e.getAt())).append("  ")
                .append(String.format(Locale.ROOT, "%-16s", Output.cell(e.getKind()))).append("  ")
                .append(Output.cell(e.getName())).append("  ")
                .append(e.getReason().isEmpty() ? "-" : Output.cell(e.getReason()));
        if (!e.getMessage().isEmpty()) {
            b.append("  ").append(Output.cell(e.getMessage()));
        }
        return b.toString();
    }
}
