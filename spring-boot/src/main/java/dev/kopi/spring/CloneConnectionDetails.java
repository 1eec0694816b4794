package dev.kopi.spring;

import org.springframework.boot.autoconfigure.jdbc.JdbcConnectionDetails;

import dev.kopi.client.Clone;

/** Where the application's DataSource connects: the clone, with its own role and password. */
final class CloneConnectionDetails implements JdbcConnectionDetails {
    private final Clone clone;

    CloneConnectionDetails(Clone clone) {
        this.clone = clone;
    }

    @Override
    public String getUsername() {
        return clone.user();
    }

    @Override
    public String getPassword() {
        return clone.password();
    }

    @Override
    public String getJdbcUrl() {
        return clone.jdbcUrl();
    }

    @Override
    public String getDriverClassName() {
        return "org.postgresql.Driver";
    }
}
