package dev.kopi.daemon.logging;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Structured fields of one log line (clone, snapshot, source, duration_ms, ...), carried as the
 * record's only parameter so java.util.logging passes them to the formatter untouched: the JSON
 * format writes them as fields, the text format ignores them (its message says the same in
 * words). The request id of the gRPC call being served, if any, is taken when the fields are
 * made, so a line logged later on another thread still names the request.
 *
 * <pre>{@code LogFields.of("clone", name, "snapshot", snap.name()).info(LOG, "clone " + name + " ready");}</pre>
 */
public final class LogFields {
    private final Map<String, Object> fields = new LinkedHashMap<>();

    private LogFields() {
        String request = RequestIds.current();
        if (request != null) {
            fields.put("request", request);
        }
    }

    /** Fields from pairs: a name, then its value (null values are left out). */
    public static LogFields of(Object... pairs) {
        if (pairs.length % 2 != 0) {
            throw new IllegalArgumentException("fields come in name, value pairs");
        }
        LogFields f = new LogFields();
        for (int i = 0; i < pairs.length; i += 2) {
            f.and(String.valueOf(pairs[i]), pairs[i + 1]);
        }
        return f;
    }

    /** Adds one more field; a null value is left out. */
    public LogFields and(String name, Object value) {
        if (value != null) {
            fields.put(name, value);
        }
        return this;
    }

    /** The fields, in the order given. */
    public Map<String, Object> asMap() {
        return Collections.unmodifiableMap(fields);
    }

    /** The fields of {@code r}, when it was logged with some; else null. */
    public static LogFields of(LogRecord r) {
        Object[] p = r.getParameters();
        return p != null && p.length == 1 && p[0] instanceof LogFields f ? f : null;
    }

    public void info(Logger log, String message) {
        log(log, Level.INFO, message, null);
    }

    public void warning(Logger log, String message) {
        log(log, Level.WARNING, message, null);
    }

    /** Logs {@code message} (and {@code thrown}, which may be null) with these fields. */
    public void log(Logger log, Level level, String message, Throwable thrown) {
        if (!log.isLoggable(level)) {
            return;
        }
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName(log.getName());
        r.setSourceClassName(log.getName()); // not this class, which the record would name as its caller
        r.setSourceMethodName(null);
        r.setParameters(new Object[] {this});
        r.setThrown(thrown);
        log.log(r);
    }

    @Override
    public String toString() {
        return fields.toString();
    }
}
