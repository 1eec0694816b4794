package dev.kopi.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.logging.LogFormat;

/** The metrics: and log: sections. */
class ConfigLoaderWatchingTest {
    private static final String ORIGIN = "test.yaml";

    @Test
    void offAndTextByDefault() {
        Config c = ConfigLoader.defaults();
        assertNull(c.metrics());
        assertEquals(LogFormat.TEXT, c.logFormat());
        assertNull(ConfigLoader.parse("metrics: {}\nlog: {}", ORIGIN).metrics());
    }

    @Test
    void metricsListenIsHostAndPort() throws Exception {
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 9433),
                ConfigLoader.parse("metrics:\n  listen: 127.0.0.1:9433", ORIGIN).metrics());
        assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 9433),
                ConfigLoader.parse("metrics: { listen: '[::1]:9433' }", ORIGIN).metrics());
        assertEquals(9100, ConfigLoader.parse("metrics:\n  listen: 0.0.0.0:9100", ORIGIN).metrics().getPort());
        assertEquals(9433, ConfigLoader.parse("metrics:\n  listen: localhost:9433", ORIGIN).metrics().getPort());
    }

    @Test
    void logFormat() {
        assertEquals(LogFormat.JSON, ConfigLoader.parse("log:\n  format: json", ORIGIN).logFormat());
        assertEquals(LogFormat.TEXT, ConfigLoader.parse("log:\n  format: text", ORIGIN).logFormat());
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                arguments("metrics: 9433", "metrics", "must be a mapping"),
                arguments("metrics:\n  port: 9433", "metrics.port", "is not a known key"),
                arguments("metrics:\n  listen: 9433", "metrics.listen", "is not HOST:PORT, e.g. 127.0.0.1:9433"),
                arguments("metrics:\n  listen: ':9433'", "metrics.listen", "is not HOST:PORT"),
                arguments("metrics:\n  listen: 127.0.0.1", "metrics.listen", "is not HOST:PORT"),
                arguments("metrics:\n  listen: 127.0.0.1:http", "metrics.listen", "is not HOST:PORT"),
                arguments("metrics:\n  listen: 127.0.0.1:0", "metrics.listen", "port 0 is not within 1-65535"),
                arguments("metrics:\n  listen: 127.0.0.1:70000", "metrics.listen", "port 70000 is not within 1-65535"),
                arguments("metrics:\n  listen: [127.0.0.1:9433]", "metrics.listen", "must be a single value"),
                arguments("metrics:\n  listen: 127.0.0.1:6600", "metrics.listen",
                        "port 6600 is in postgres.ports (6500-6999), where clones listen"),
                arguments("metrics:\n  listen: no-such-host.invalid:9433", "metrics.listen",
                        "host 'no-such-host.invalid' cannot be resolved"),
                arguments("log: json", "log", "must be a mapping"),
                arguments("log:\n  level: debug", "log.level", "is not a known key"),
                arguments("log:\n  format: xml", "log.format", "'xml' is not text or json"));
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void badValuesAreRefusedNamingTheKey(String yaml, String key, String problem) {
        KopiException e = assertThrows(KopiException.class, () -> ConfigLoader.parse(yaml, ORIGIN));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        String prefix = "config " + ORIGIN + ": " + key + ": ";
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }
}
