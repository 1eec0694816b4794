package dev.kopi.spring;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

/** Loaded only when HikariCP is there: its idle connections, cut by a reset, are replaced. */
final class HikariEviction {
    private HikariEviction() {
    }

    static void evict(DataSource ds) {
        if (ds instanceof HikariDataSource hikari && hikari.getHikariPoolMXBean() != null) {
            hikari.getHikariPoolMXBean().softEvictConnections();
        }
    }
}
