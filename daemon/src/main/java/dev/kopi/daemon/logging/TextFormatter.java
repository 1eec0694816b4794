package dev.kopi.daemon.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * kopid's default log format: {@code 2026-11-23T02:00:00.123Z INFO Clones: message}, the stack
 * trace below it when there is one, secrets masked ({@link Redaction}).
 */
public final class TextFormatter extends Formatter {
    @Override
    public String format(LogRecord r) {
        String name = r.getLoggerName() == null ? "" : r.getLoggerName().substring(r.getLoggerName().lastIndexOf('.') + 1);
        String line = String.format("%1$tFT%1$tT.%1$tLZ %2$s %3$s: %4$s%n", r.getMillis(), r.getLevel(), name,
                Redaction.apply(message(this, r)));
        String trace = stackTrace(r);
        return trace == null ? line : line + trace;
    }

    /**
     * The record's message: as logged when it carries {@link LogFields} (they are not
     * MessageFormat arguments), else formatted as java.util.logging does.
     */
    static String message(Formatter f, LogRecord r) {
        return LogFields.of(r) != null ? String.valueOf(r.getMessage()) : f.formatMessage(r);
    }

    /** The stack trace of the record's exception, secrets masked; null when it has none. */
    static String stackTrace(LogRecord r) {
        if (r.getThrown() == null) {
            return null;
        }
        StringWriter sw = new StringWriter();
        r.getThrown().printStackTrace(new PrintWriter(sw));
        return Redaction.apply(sw.toString());
    }
}
