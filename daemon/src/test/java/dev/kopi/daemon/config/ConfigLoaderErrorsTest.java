package dev.kopi.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.core.KopiException;

class ConfigLoaderErrorsTest {
    private static final String ORIGIN = "test.yaml";

    private static KopiException refused(String yaml) {
        KopiException e = assertThrows(KopiException.class, () -> ConfigLoader.parse(yaml, ORIGIN));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        return e;
    }

    /** The message is "config ORIGIN: KEY: problem", KEY being the full dotted key. */
    private static void assertNamesKey(String key, KopiException e) {
        String prefix = "config " + ORIGIN + ": " + key + ": ";
        assertTrue(e.getMessage().startsWith(prefix), () -> "expected '" + prefix + "...' but got: " + e.getMessage());
        assertTrue(e.getMessage().length() > prefix.length(), "the problem is described");
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                arguments("bogus: 1", "bogus"),
                arguments("pool:\n  bogus: 1", "pool.bogus"),
                arguments("postgres:\n  max_clones: 3", "postgres.max_clones"),
                arguments("sources:\n  x:\n    datadir: /d\n    basebackup: host=db", "sources.x"),
                arguments("sources:\n  x:\n    datadir: /d\n    rsync: host:/d", "sources.x.rsync"),

                arguments("pool:\n  size: 20X", "pool.size"),
                arguments("pool:\n  size: lots", "pool.size"),
                arguments("pool:\n  size: -5G", "pool.size"),
                arguments("pool:\n  size: 1.5G", "pool.size"),
                arguments("pool:\n  size: 100M", "pool.size"),
                arguments("pool:\n  size: [1, 2]", "pool.size"),
                arguments("pool:\n  min_free: some", "pool.min_free"),

                arguments("postgres:\n  start_timeout: 10", "postgres.start_timeout"),
                arguments("postgres:\n  start_timeout: 1.5s", "postgres.start_timeout"),
                arguments("postgres:\n  start_timeout: -1s", "postgres.start_timeout"),
                arguments("postgres:\n  start_timeout: 2d", "postgres.start_timeout"),
                arguments("postgres:\n  stop_timeout: soon", "postgres.stop_timeout"),

                arguments("postgres:\n  ports: 7000-6000", "postgres.ports"),
                arguments("postgres:\n  ports: 1000-2000", "postgres.ports"),
                arguments("postgres:\n  ports: 1023-1100", "postgres.ports"),
                arguments("postgres:\n  ports: 6000-65536", "postgres.ports"),
                arguments("postgres:\n  ports: 6500", "postgres.ports"),
                arguments("postgres:\n  ports: a-b", "postgres.ports"),
                arguments("postgres:\n  ports: ''", "postgres.ports"),

                arguments("postgres:\n  user: root", "postgres.user"),
                arguments("postgres:\n  user: Bad User", "postgres.user"),
                arguments("postgres:\n  listen: 10.0.0.1;reboot", "postgres.listen"),
                arguments("postgres:\n  host: a b", "postgres.host"),
                arguments("postgres:\n  superuser: maybe", "postgres.superuser"),
                arguments("postgres:\n  settings:\n    Bad-Key: 1", "postgres.settings"),

                arguments("socket: run/kopi.sock", "socket"),
                arguments("state: var/lib/kopi", "state"),
                arguments("pool:\n  image: pool.img", "pool.image"),
                arguments("sources:\n  x:\n    datadir: data/pg", "sources.x.datadir"),
                arguments("sources:\n  x:\n    superuser: admin", "sources.x"),
                arguments("sources:\n  x:", "sources.x"),

                arguments("pool:\n  backend: zfs\n  path: /var/lib/kopi/pool", "pool.path"),
                arguments("pool:\n  backend: btrfs\n  path: tank/kopi", "pool.path"),
                arguments("pool:\n  backend: ext4", "pool.backend"),
                arguments("pool:\n  path: tank/../etc", "pool.path"),
                arguments("pool:\n  path: tank kopi", "pool.path"),

                arguments("state: /" + "s".repeat(64), "state"),

                arguments("pool: 5", "pool"),
                arguments("postgres: [a, b]", "postgres"),
                arguments("sources: [a, b]", "sources"),
                arguments("sources:\n  x: 5", "sources.x"),
                arguments("- a\n- b", "(top level)"),
                arguments("just words", "(top level)"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("badValues")
    void badValueIsInvalidArgumentNamingTheFullKey(String yaml, String key) {
        assertNamesKey(key, refused(yaml));
    }

    @Test
    void unknownKeyMessageListsTheKnownKeys() {
        KopiException e = refused("pool:\n  sise: 20G");
        assertTrue(e.getMessage().contains("size"), e.getMessage());
        assertTrue(e.getMessage().contains("backend"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Prod", "a b", "../x", "-x", ".x", "x;reboot"})
    void invalidSourceNameIsReportedUnderSourcesWithTheName(String name) {
        KopiException e = refused("sources:\n  \"" + name + "\":\n    datadir: /d");
        assertNamesKey("sources", e);
        assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"pool: [", "pool:\n  size: 1G\n size: 2G", "a: b: c", "\"unterminated"})
    void invalidYamlIsInvalidArgument(String yaml) {
        KopiException e = refused(yaml);
        assertTrue(e.getMessage().startsWith("config " + ORIGIN + " is not valid YAML"), e.getMessage());
    }

    @Test
    void rootIsRefusedWithAnExplanation() {
        assertTrue(refused("postgres:\n  user: root").getMessage().contains("never run as root"));
    }

    @Test
    void errorsDoNotLeakTheOriginalExceptionType() {
        KopiException e = refused("pool:\n  size: huge");
        assertFalse(e.getMessage().contains("Exception"), e.getMessage());
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("tooLargeNumbers")
    void numbersTooLargeForTheirTypeAreInvalidArgument(String yaml, String key) {
        KopiException e = assertThrows(KopiException.class, () -> ConfigLoader.parse(yaml, ORIGIN));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        assertNamesKey(key, e);
    }

    static Stream<Arguments> tooLargeNumbers() {
        return Stream.of(
                arguments("pool:\n  size: 99999999999999999999G", "pool.size"),
                // 2^34 + 1 gibibytes wraps to exactly 1 GiB and would be accepted as such
                arguments("pool:\n  size: 17179869185G", "pool.size"),
                arguments("pool:\n  min_free: 16777216T", "pool.min_free"),
                arguments("postgres:\n  ports: 99999999999-99999999999", "postgres.ports"),
                arguments("postgres:\n  start_timeout: 99999999999999999999s", "postgres.start_timeout"),
                arguments("postgres:\n  stop_timeout: 9999999999999999h", "postgres.stop_timeout"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgres:\n  settings: shared_buffers=1GB", "postgres:\n  settings: [fsync=off]"})
    void settingsThatAreNotAMappingAreRefused(String yaml) {
        assertNamesKey("postgres.settings", refused(yaml));
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgres:\n  settings:\n    work_mem: {a: 1}", "postgres:\n  settings:\n    work_mem: [1]"})
    void settingValuesMustBeSingleValues(String yaml) {
        KopiException e = refused(yaml);
        assertTrue(e.getMessage().contains("postgres.settings"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"pool:\n  size: 1G\npool:\n  min_free: 0", "pool:\n  size: 1G\n  size: 300G"})
    void repeatedKeysAreRefused(String yaml) {
        KopiException e = refused(yaml);
        assertTrue(e.getMessage().contains("pool") || e.getMessage().contains("size"), e.getMessage());
    }

    @Test
    void stateLimitCountsBytes() {
        assertNamesKey("state", refused("state: /" + "\u00e9".repeat(40)));
    }

    @Test
    void socketPathLongerThanUnixLimitIsRefused() {
        assertNamesKey("socket", refused("socket: /" + "s".repeat(108)));
    }
}
