package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import dev.kopi.client.Clone;
import dev.kopi.client.junit.Kopi;
import dev.kopi.client.junit.KopiDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One clone for the whole class (scope CLASS), prepared once in @BeforeAll; injected into
 * fields. The TTL is the backstop: if this JVM dies, kopid destroys the clone after an hour.
 */
@Kopi(snapshot = "${kopi.snapshot:demo}", scope = Kopi.Scope.CLASS, ttl = "1h")
class SharedCloneTest {
    @KopiDatabase
    Clone clone;
    @KopiDatabase
    DataSource dataSource;

    @BeforeAll
    static void prepare(Connection db) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("create table fixture (id int)");
            s.execute("insert into fixture select generate_series(1, 100)");
        }
    }

    @Test
    void readsTheFixture() throws SQLException {
        try (Connection db = dataSource.getConnection(); Statement s = db.createStatement();
             ResultSet r = s.executeQuery("select count(*) from fixture")) {
            r.next();
            assertEquals(100, r.getInt(1));
        }
    }

    @Test
    void knowsWhereItIs() {
        // e.g. for tools that want a libpq URI: psql, pg_dump, an app started as a subprocess
        System.out.println(clone + " -> " + clone.uri().replace(clone.password(), "***"));
        assertEquals(clone.name(), clone.name().toLowerCase());
    }
}
