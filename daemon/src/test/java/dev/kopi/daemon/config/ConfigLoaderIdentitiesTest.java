package dev.kopi.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.PostgresConfig;

/** postgres.clone_uids, tcp_roles, memory_max and processes_max. */
class ConfigLoaderIdentitiesTest {
    private static PostgresConfig postgres(String lines) {
        return ConfigLoader.parse("postgres:\n" + lines, "test.yaml").postgres();
    }

    private static KopiException refused(String lines) {
        return assertThrows(KopiException.class, () -> postgres(lines));
    }

    @Test
    void defaultsGiveEachCloneAHighUidOnlyItsOwnRoleOverTcpAndNoLimits() {
        PostgresConfig pg = ConfigLoader.defaults().postgres();
        assertEquals(PostgresConfig.DEFAULT_UID_FIRST, pg.uidFirst());
        assertEquals(PostgresConfig.DEFAULT_UID_LAST, pg.uidLast());
        assertEquals(false, pg.allRolesOverTcp());
        assertEquals(PostgresConfig.Limits.NONE, pg.limits());
    }

    @Test
    void theKeysAreRead() {
        PostgresConfig pg = postgres("  clone_uids: 300000-300999\n  tcp_roles: all\n  memory_max: 512M\n"
                + "  processes_max: 100\n");
        assertEquals(300000, pg.uidFirst());
        assertEquals(300999, pg.uidLast());
        assertTrue(pg.allRolesOverTcp());
        assertEquals(new PostgresConfig.Limits(512L << 20, 100), pg.limits());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0-10", "999-2000", "5000-4000", "1000-2147483647", "lots", "1000-99999999999"})
    void aUidRangeThatIsNotOneIsRefusedNamingTheKey(String range) {
        KopiException e = refused("  clone_uids: " + range + "\n");
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("postgres.clone_uids"), e.getMessage());
    }

    @Test
    void badRolesAndLimitsAreRefused() {
        assertTrue(refused("  tcp_roles: some\n").getMessage().contains("postgres.tcp_roles"));
        assertTrue(refused("  memory_max: 1M\n").getMessage().contains("postgres.memory_max"));
        assertTrue(refused("  processes_max: 3\n").getMessage().contains("postgres.processes_max"));
    }
}
