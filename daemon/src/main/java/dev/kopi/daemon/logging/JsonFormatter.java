package dev.kopi.daemon.logging;

import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Set;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code log.format: json}: one JSON object per line, built with Jackson so any message (quotes,
 * newlines, control characters) stays one valid line. Fields: {@code time} (UTC, milliseconds),
 * {@code level}, {@code logger}, {@code message}, then the record's {@link LogFields} (clone,
 * snapshot, source, duration_ms, ...), {@code request} (the gRPC call being served, when there is
 * one) and {@code thrown} (the stack trace). Every text goes through {@link Redaction}, and a
 * field whose name says it is a secret is masked whatever its value.
 */
public final class JsonFormatter extends Formatter {
    /** Names of the line itself: a structured field by one of these names does not replace them. */
    private static final Set<String> RESERVED = Set.of("time", "level", "logger", "message", "thrown");
    private final ObjectMapper json = new ObjectMapper();

    @Override
    public String format(LogRecord r) {
        ObjectNode line = json.createObjectNode();
        line.put("time", DateTimeFormatter.ISO_INSTANT.format(r.getInstant().truncatedTo(ChronoUnit.MILLIS)));
        line.put("level", r.getLevel().getName());
        line.put("logger", r.getLoggerName() == null ? "" : r.getLoggerName());
        line.put("message", Redaction.apply(TextFormatter.message(this, r)));
        LogFields fields = LogFields.of(r);
        if (fields != null) {
            for (Map.Entry<String, Object> f : fields.asMap().entrySet()) {
                put(line, f.getKey(), f.getValue());
            }
        }
        String request = RequestIds.current();
        if (request != null && !line.has("request")) {
            line.put("request", request);
        }
        String trace = TextFormatter.stackTrace(r);
        if (trace != null) {
            line.put("thrown", trace);
        }
        try {
            return json.writeValueAsString(line) + System.lineSeparator();
        } catch (JsonProcessingException e) {
            // Cannot happen for a tree of strings and numbers; never lose the line if it does.
            return "{\"level\":\"SEVERE\",\"message\":\"unwritable log record\"}" + System.lineSeparator();
        }
    }

    private static void put(ObjectNode line, String name, Object value) {
        String key = RESERVED.contains(name) ? "field_" + name : name;
        if (Redaction.isSecretName(name)) {
            line.put(key, Redaction.MASK);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            line.put(key, ((Number) value).longValue());
        } else if (value instanceof Number n) {
            line.put(key, n.doubleValue());
        } else if (value instanceof Boolean b) {
            line.put(key, b);
        } else {
            line.put(key, Redaction.apply(String.valueOf(value)));
        }
    }
}
