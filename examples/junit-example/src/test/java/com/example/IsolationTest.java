package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import dev.kopi.client.Clone;
import dev.kopi.client.junit.Kopi;
import org.junit.jupiter.api.Test;

/**
 * Every test gets a fresh clone of the snapshot named by -Dkopi.snapshot (default "demo"):
 * what one test writes, no other test sees, and nothing needs cleaning up.
 */
@Kopi(snapshot = "${kopi.snapshot:demo}")
class IsolationTest {

    @Test
    void writesFreely(Connection db) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("create table scratch (id int primary key, note text)");
            s.execute("insert into scratch values (1, 'only in this clone')");
            try (ResultSet r = s.executeQuery("select count(*) from scratch")) {
                r.next();
                assertEquals(1, r.getInt(1));
            }
        }
    }

    @Test
    void seesNoneOfTheOtherTestsChanges(Connection db) throws SQLException {
        try (Statement s = db.createStatement();
             ResultSet r = s.executeQuery("select to_regclass('scratch') is null")) {
            r.next();
            assertTrue(r.getBoolean(1), "scratch belongs to another test's clone");
        }
    }

    @Test
    void resetThrowsChangesAway(Clone clone) throws SQLException {
        try (Connection db = clone.dataSource().getConnection(); Statement s = db.createStatement()) {
            s.execute("create table scratch (id int)");
        }
        clone.reset(); // same name, port and credentials; data back to the snapshot
        try (Connection db = clone.dataSource().getConnection(); Statement s = db.createStatement();
             ResultSet r = s.executeQuery("select to_regclass('scratch') is null")) {
            r.next();
            assertTrue(r.getBoolean(1));
        }
    }
}
