package dev.kopi.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.PostgresConfig;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.PoolConfig;

class ConfigLoaderParseTest {
    private static final String FULL = """
            socket: /run/kopi-test/kopi.sock
            socket_group: kopi
            state: /srv/kopi
            pool:
              backend: btrfs
              path: /mnt/kopi-pool
              image: /srv/images/pool.img
              size: 1G
              min_free: 256M
            postgres:
              user: pgrunner
              ports: 7000 - 7099
              listen: 0.0.0.0
              host: db.example.test
              binaries: /opt/pg/{version}/bin
              superuser: false
              settings:
                shared_buffers: 128MB
                work_mem: 8MB
              start_timeout: 2m
              stop_timeout: 500ms
            sources:
              prod-nightly:
                datadir: /var/lib/postgresql/16/main
                superuser: admin
              staging.db:
                datadir: /data/pg/../pg2/
            """;

    private final Config config = ConfigLoader.parse(FULL, "full.yaml");

    @Test
    void topLevelValues() {
        assertEquals(Path.of("/run/kopi-test/kopi.sock"), config.socket());
        assertEquals("kopi", config.socketGroup());
        assertEquals(Path.of("/srv/kopi"), config.state());
    }

    @Test
    void poolSection() {
        assertEquals(new PoolConfig("btrfs", "/mnt/kopi-pool", Path.of("/srv/images/pool.img"), 1L << 30, 256L << 20),
                config.pool());
    }

    @Test
    void postgresSection() {
        assertEquals(new PostgresConfig("pgrunner", 7000, 7099, "0.0.0.0", "db.example.test", "/opt/pg/{version}/bin",
                false, Map.of("shared_buffers", "128MB", "work_mem", "8MB"), Duration.ofMinutes(2),
                Duration.ofMillis(500), PostgresConfig.DEFAULT_UID_FIRST, PostgresConfig.DEFAULT_UID_LAST, false,
                PostgresConfig.Limits.NONE),
                config.postgres());
    }

    @Test
    void sourcesSectionWithNormalizedDataDirectories() {
        assertEquals(Map.of(
                "prod-nightly", Source.ofDatadir("prod-nightly", Path.of("/var/lib/postgresql/16/main"), "admin", Source.Origin.CONFIG),
                "staging.db", Source.ofDatadir("staging.db", Path.of("/data/pg2"), null, Source.Origin.CONFIG)), config.sources());
    }

    @Test
    void parsedMapsAreImmutable() {
        assertThrows(UnsupportedOperationException.class, () -> config.sources().clear());
        assertThrows(UnsupportedOperationException.class, () -> config.postgres().settings().put("a", "b"));
    }

    @ParameterizedTest
    @CsvSource({
            "20G, 21474836480",
            "20g, 21474836480",
            "20GB, 21474836480",
            "20GiB, 21474836480",
            "20 G, 21474836480",
            "512M, 536870912",
            "131072K, 134217728",
            "1T, 1099511627776",
            "134217728, 134217728"})
    void sizesAcceptBinaryUnitsInAnyCase(String text, long bytes) {
        assertEquals(bytes, ConfigLoader.parse("pool:\n  size: " + text + "\n", "t").pool().size());
    }

    @Test
    void minFreeMayBeZero() {
        assertEquals(0, ConfigLoader.parse("pool:\n  min_free: 0\n", "t").pool().minFree());
    }

    @ParameterizedTest
    @CsvSource({"250ms, PT0.25S", "45s, PT45S", "5m, PT5M", "1h, PT1H"})
    void durationsAcceptMillisecondsSecondsMinutesHours(String text, Duration expected) {
        assertEquals(expected, ConfigLoader.parse("postgres:\n  start_timeout: " + text + "\n", "t")
                .postgres().startTimeout());
    }

    @ParameterizedTest
    @CsvSource({"yes, true", "on, true", "TRUE, true", "no, false", "off, false", "False, false"})
    void booleansAcceptTheUsualSpellings(String text, boolean expected) {
        assertEquals(expected, ConfigLoader.parse("postgres:\n  superuser: \"" + text + "\"\n", "t")
                .postgres().superuser());
    }

    @ParameterizedTest
    @CsvSource({"1024-65535, 1024, 65535", "6500-6500, 6500, 6500"})
    void portRangeLimitsAreInclusive(String ports, int first, int last) {
        PostgresConfig pg = ConfigLoader.parse("postgres:\n  ports: " + ports + "\n", "t").postgres();
        assertEquals(first, pg.portFirst());
        assertEquals(last, pg.portLast());
    }

    @Test
    void datasetNamePathIsDetectedAsZfs() {
        PoolConfig pool = ConfigLoader.parse("pool:\n  path: tank/kopi\n", "t").pool();
        assertEquals("zfs", pool.backend());
        assertTrue(pool.isZfs());
        assertEquals("tank/kopi", pool.path());
    }

    @Test
    void explicitZfsWithDatasetName() {
        PoolConfig pool = ConfigLoader.parse("pool:\n  backend: zfs\n  path: tank/ci:pool_1\n", "t").pool();
        assertTrue(pool.isZfs());
        assertEquals("tank/ci:pool_1", pool.path());
    }

    @Test
    void absolutePathWithoutBackendLeavesDetectionForLater() {
        PoolConfig pool = ConfigLoader.parse("pool:\n  path: /mnt/pool\n", "t").pool();
        assertNull(pool.backend());
        assertFalse(pool.isZfs());
    }

    @ParameterizedTest
    @CsvSource({"'*', 127.0.0.1", "0.0.0.0, 127.0.0.1", "'::', 127.0.0.1", "'10.0.0.5, 127.0.0.1', 10.0.0.5",
            "localhost, localhost", "'::1', '::1'"})
    void hostDefaultsToTheFirstConcreteListenAddress(String listen, String host) {
        assertEquals(host, ConfigLoader.parse("postgres:\n  listen: \"" + listen + "\"\n", "t").postgres().host());
    }

    @Test
    void pathsAreNormalized() {
        Config c = ConfigLoader.parse("socket: /run/./kopi//x/../kopi.sock\nstate: /srv/kopi/\n", "t");
        assertEquals(Path.of("/run/kopi/kopi.sock"), c.socket());
        assertEquals(Path.of("/srv/kopi"), c.state());
    }

    @Test
    void stateOfExactlySixtyFourCharactersIsAccepted() {
        String state = "/" + "s".repeat(63);
        assertEquals(Path.of(state), ConfigLoader.parse("state: " + state + "\n", "t").state());
    }

    @Test
    void loadReadsAFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("kopi.yaml"), FULL);
        assertEquals(config, ConfigLoader.load(file));
    }

    @Test
    void loadOfAMissingFileIsInvalidArgumentNamingTheFile(@TempDir Path dir) {
        Path file = dir.resolve("nope.yaml");
        KopiException e = assertThrows(KopiException.class, () -> ConfigLoader.load(file));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
}
