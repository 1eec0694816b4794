package dev.kopi.daemon.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** log.format: json: one object per line, parsed back here with Jackson. */
class JsonFormatterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final JsonFormatter json = new JsonFormatter();
    private final TextFormatter text = new TextFormatter();
    private final Logger log = Logger.getLogger("dev.kopi.daemon.clone.Clones.test");
    private final List<LogRecord> logged = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void capture() {
        log.setUseParentHandlers(false);
        log.addHandler(capture);
    }

    @AfterEach
    void release() {
        log.removeHandler(capture);
        log.setUseParentHandlers(true);
    }

    private JsonNode line(LogRecord r) throws Exception {
        String out = json.format(r);
        assertTrue(out.endsWith(System.lineSeparator()), out);
        assertEquals(1, out.split("\n", -1).length - 1, "exactly one line: " + out);
        return JSON.readTree(out);
    }

    @Test
    void aPlainRecordHasTimeLevelLoggerAndMessage() throws Exception {
        LogRecord r = new LogRecord(Level.WARNING, "reaper: pool is \"busy\"\nsecond line");
        r.setLoggerName("dev.kopi.daemon.clone.Reaper");
        r.setInstant(Instant.parse("2026-11-23T04:00:00.123456Z"));
        JsonNode n = line(r);
        assertEquals("2026-11-23T04:00:00.123Z", n.get("time").asText());
        assertEquals("WARNING", n.get("level").asText());
        assertEquals("dev.kopi.daemon.clone.Reaper", n.get("logger").asText());
        assertEquals("reaper: pool is \"busy\"\nsecond line", n.get("message").asText());
        assertFalse(n.has("thrown"));
        assertFalse(n.has("request"));
    }

    @Test
    void structuredFieldsBecomeFieldsWithTheirTypes() throws Exception {
        RequestIds.with("req123", () -> LogFields.of("clone", "alice", "snapshot", "prod@T1", "port", 6501,
                "warm", false, "duration_ms", 41L, "message", "not the message", "skipped", null)
                .info(log, "clone alice ready"));
        JsonNode n = line(logged.get(0));
        assertEquals("clone alice ready", n.get("message").asText());
        assertEquals("alice", n.get("clone").asText());
        assertEquals("prod@T1", n.get("snapshot").asText());
        assertEquals(6501, n.get("port").asInt());
        assertTrue(n.get("duration_ms").isIntegralNumber());
        assertEquals(41, n.get("duration_ms").asLong());
        assertTrue(n.get("warm").isBoolean());
        assertEquals("req123", n.get("request").asText(), "taken when the fields were made");
        assertEquals("not the message", n.get("field_message").asText(), "a field cannot replace the line's own");
        assertFalse(n.has("skipped"));
    }

    @Test
    void theRequestOfTheLoggingThreadIsAddedToAPlainRecord() throws Exception {
        LogRecord r = new LogRecord(Level.INFO, "listing clones");
        JsonNode[] n = new JsonNode[1];
        RequestIds.with("r-9", () -> {
            try {
                n[0] = line(r);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertEquals("r-9", n[0].get("request").asText());
    }

    @Test
    void thrownIsTheStackTraceAndMessagesKeepTheirMessageFormat() throws Exception {
        LogRecord r = new LogRecord(Level.SEVERE, "thread {0} died");
        r.setParameters(new Object[] {"kopid-warm"});
        r.setThrown(new IllegalStateException("connect to postgresql://u:hunter2@db1/app failed"));
        JsonNode n = line(r);
        assertEquals("thread kopid-warm died", n.get("message").asText());
        String thrown = n.get("thrown").asText();
        assertTrue(thrown.startsWith("java.lang.IllegalStateException: connect to postgresql://u:********@db1"), thrown);
        assertTrue(thrown.contains("\tat "), "the stack trace: " + thrown);
        assertFalse(thrown.contains("hunter2"));
    }

    @Test
    void noSecretReachesALineInEitherFormat() throws Exception {
        String uri = "postgresql://kopi_ab12cd34:Zx9-secret-Qw@127.0.0.1:6501/app";
        LogFields.of("clone", "alice", "password", "Zx9-secret-Qw", "uri", uri, "token", 12345)
                .warning(log, "handing out " + uri + " with PGPASSWORD=Zx9-secret-Qw and Bearer abc.def");
        String jsonLine = json.format(logged.get(0));
        String textLine = text.format(logged.get(0));
        for (String out : List.of(jsonLine, textLine)) {
            assertFalse(out.contains("Zx9-secret-Qw"), out);
            assertFalse(out.contains("abc.def"), out);
            assertFalse(out.contains("12345"), out);
        }
        JsonNode n = JSON.readTree(jsonLine);
        assertEquals(Redaction.MASK, n.get("password").asText());
        assertEquals(Redaction.MASK, n.get("token").asText());
        assertEquals("postgresql://kopi_ab12cd34:********@127.0.0.1:6501/app", n.get("uri").asText());
    }

    @Test
    void theTextFormatIsOneLineWithTheShortLoggerNameAndNoFields() {
        LogFields.of("clone", "alice").info(log, "destroyed clone alice (user) {0}");
        String out = text.format(logged.get(0));
        assertTrue(out.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO test: destroyed clone alice "
                + "\\(user\\) \\{0}\\R"), out);
    }
}
