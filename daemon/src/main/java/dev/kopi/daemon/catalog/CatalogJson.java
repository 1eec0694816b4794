package dev.kopi.daemon.catalog;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.core.Trigger;

/**
 * The catalog file's JSON shape for the daemon's value types, kept as the first versions wrote
 * it so any older file still loads: instants as RFC 3339 text ({@code 2026-11-23T02:00:00Z}),
 * durations as whole seconds, snapshots as {@code SOURCE@TAG} (an empty string, as failed
 * refreshes once recorded, reads as none), triggers as their word ({@code schedule}).
 */
final class CatalogJson {
    private CatalogJson() {
    }

    static ObjectMapper mapper() {
        SimpleModule m = new SimpleModule("kopi-catalog");
        text(m, Instant.class, Instant::toString, Instant::parse);
        text(m, SnapshotRef.class, SnapshotRef::toString, SnapshotRef::parse);
        text(m, Trigger.class, Trigger::word, Trigger::of);
        m.addSerializer(Duration.class, new JsonSerializer<>() {
            @Override
            public void serialize(Duration d, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeNumber(d.getSeconds());
            }
        });
        m.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(JsonParser p, DeserializationContext c) throws IOException {
                return Duration.ofSeconds(p.getValueAsLong());
            }
        });
        return new ObjectMapper()
                .registerModule(m)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    private static <T> void text(SimpleModule m, Class<T> type, Function<T, String> write, Function<String, T> read) {
        m.addSerializer(type, new JsonSerializer<>() {
            @Override
            public void serialize(T value, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeString(write.apply(value));
            }
        });
        m.addDeserializer(type, new JsonDeserializer<>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext c) throws IOException {
                String s = p.getValueAsString();
                if (s == null || s.isEmpty()) {
                    return null;
                }
                try {
                    return read.apply(s);
                } catch (DateTimeParseException | IllegalArgumentException | KopiException e) {
                    throw c.weirdStringException(s, type, e.getMessage());
                }
            }

            @Override
            public T getNullValue(DeserializationContext c) {
                return null;
            }
        });
    }
}
