package dev.kopi.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.postgres.PostgresConfig;
import dev.kopi.daemon.postgres.RuntimeDirs;
import dev.kopi.daemon.storage.PoolConfig;

class ConfigLoaderDefaultsTest {
    private final Config config = ConfigLoader.defaults();

    @Test
    void socketAndStateHaveTheDocumentedDefaults() {
        assertEquals(Path.of("/run/kopi/kopi.sock"), config.socket());
        assertEquals(Path.of("/var/lib/kopi"), config.state());
        assertNull(config.socketGroup());
        assertEquals(Path.of("/var/lib/kopi/catalog.json"), config.catalogFile());
        RuntimeDirs runtime = new RuntimeDirs(config.state());
        assertEquals(Path.of("/var/lib/kopi/logs/c.log"), runtime.logFile("c"));
        assertEquals(Path.of("/var/lib/kopi/run/6500"), runtime.socketDir("6500"));
        assertEquals(Path.of("/var/lib/kopi/hba/6500.conf"), runtime.hbaFile("6500"));
    }

    @Test
    void poolLivesUnderTheStateDirectoryWithTwentyGigabytes() {
        PoolConfig pool = config.pool();
        assertNull(pool.backend());
        assertFalse(pool.isZfs());
        assertEquals("/var/lib/kopi/pool", pool.path());
        assertEquals(Path.of("/var/lib/kopi/pool.img"), pool.image());
        assertEquals(20L << 30, pool.size());
        assertEquals(64L << 20, pool.minFree());
    }

    @Test
    void postgresRunsAsPostgresOnLoopbackPorts6500To6999() {
        PostgresConfig pg = config.postgres();
        assertEquals("postgres", pg.user());
        assertEquals(6500, pg.portFirst());
        assertEquals(6999, pg.portLast());
        assertEquals("6500-6999", pg.ports());
        assertEquals("127.0.0.1", pg.listen());
        assertEquals("127.0.0.1", pg.host());
        assertEquals("/usr/lib/postgresql/{version}/bin", pg.binaries());
        assertTrue(pg.superuser());
        assertTrue(pg.settings().isEmpty());
        assertEquals(Duration.ofSeconds(60), pg.startTimeout());
        assertEquals(Duration.ofSeconds(10), pg.stopTimeout());
    }

    @Test
    void noSourcesByDefault() {
        assertTrue(config.sources().isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "# only a comment\n", "{}", "pool:\n", "postgres: ~\nsources:\n"})
    void emptyDocumentsAndEmptySectionsMeanDefaults(String yaml) {
        assertEquals(config, ConfigLoader.parse(yaml, "test.yaml"));
    }

    @Test
    void stateMovesThePoolDefaultsWithIt() {
        Config c = ConfigLoader.parse("state: /srv/kopi\n", "test.yaml");
        assertEquals(Path.of("/srv/kopi"), c.state());
        assertEquals("/srv/kopi/pool", c.pool().path());
        assertEquals(Path.of("/srv/kopi/pool.img"), c.pool().image());
        assertEquals(Path.of("/srv/kopi/catalog.json"), c.catalogFile());
    }
}
