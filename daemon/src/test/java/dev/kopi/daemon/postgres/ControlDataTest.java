package dev.kopi.daemon.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** pg_controldata's output read: the cluster state, and the primary's limits a standby must meet. */
class ControlDataTest {
    private static final String OUTPUT = """
            pg_control version number:            1300
            Database cluster state:               in archive recovery
            Latest checkpoint location:           0/3000060
            wal_level setting:                    replica
            wal_log_hints setting:                off
            max_connections setting:              250
            max_worker_processes setting:         16
            max_wal_senders setting:              10
            max_prepared_xacts setting:           0
            max_locks_per_xact setting:           128
            track_commit_timestamp setting:       off
            """;

    @Test
    void readsNameValueLines() {
        Map<String, String> lines = ControlData.parse(OUTPUT);
        assertEquals("in archive recovery", lines.get("Database cluster state"));
        assertEquals("0/3000060", lines.get("Latest checkpoint location"), "a value may hold ':' or '/'");
    }

    @Test
    void aStandbyGetsThePrimarysLimitsByTheirSettingNames() {
        assertEquals(Map.of("max_connections", "250", "max_worker_processes", "16", "max_wal_senders", "10",
                "max_prepared_transactions", "0", "max_locks_per_transaction", "128"),
                ControlData.standbyMinimums(ControlData.parse(OUTPUT)));
    }

    @Test
    void anythingButANumberIsLeftOut() {
        Map<String, String> odd = ControlData.parse("max_connections setting: 100 -c evil=1\n"
                + "max_wal_senders setting: \nmax_worker_processes setting: 8\n");
        assertEquals(Map.of("max_worker_processes", "8"), ControlData.standbyMinimums(odd),
                "only digits reach a -c setting");
    }
}
