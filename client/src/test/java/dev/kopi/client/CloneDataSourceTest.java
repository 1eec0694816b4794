package dev.kopi.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import dev.kopi.proto.v1.CloneState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A clone's DataSource opens connections through DriverManager, credentials as properties. */
class CloneDataSourceTest {
    private FakeKopid kopid;
    private KopiClient client;

    @BeforeAll
    static void driver() {
        FakeDriver.register();
    }

    @BeforeEach
    void start() throws Exception {
        kopid = FakeKopid.inProcess();
        client = KopiClient.forChannel(kopid.channel());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        kopid.close();
    }

    @Test
    void handsOutConnectionsFromDriverManager() throws SQLException {
        try (Clone c = client.clone("demo")) {
            DataSource ds = c.dataSource();
            assertSame(ds, c.dataSource());
            FakeDriver.Opened o;
            FakeDriver.Opened p;
            try (Connection a = ds.getConnection(); Connection b = ds.getConnection()) {
                assertNotSame(a, b);
                o = FakeDriver.opened(a);
                p = FakeDriver.opened(b);
                assertEquals("jdbc:postgresql://fakehost:6000/app", o.url(), "no credentials in the URL");
                assertEquals(c.user(), o.user());
                assertEquals(c.password(), o.password());
                assertFalse(o.closed().get());
            }
            assertTrue(o.closed().get() && p.closed().get());
        }
    }

    @Test
    void explicitCredentialsAndLoginTimeout() throws SQLException {
        try (Clone c = client.clone("demo")) {
            DataSource ds = c.dataSource();
            ds.setLoginTimeout(7);
            assertEquals(7, ds.getLoginTimeout());
            try (Connection conn = ds.getConnection("someone", "else")) {
                FakeDriver.Opened o = FakeDriver.opened(conn);
                assertEquals("someone", o.user());
                assertEquals("else", o.password());
                assertEquals("7", o.info().getProperty("loginTimeout"));
            }
        }
    }

    @Test
    void unwraps() throws SQLException {
        try (Clone c = client.clone("demo")) {
            DataSource ds = c.dataSource();
            assertTrue(ds.isWrapperFor(DataSource.class));
            assertSame(ds, ds.unwrap(DataSource.class));
            assertThrows(SQLException.class, () -> ds.unwrap(String.class));
        }
    }

    @Test
    void withoutADriverTheErrorSaysWhichOneToAdd() throws Exception {
        try (FakeKopid elsewhere = FakeKopid.inProcess("nodriver.invalid");
             KopiClient other = KopiClient.forChannel(elsewhere.channel());
             Clone c = other.clone("demo")) {
            SQLException e = assertThrows(SQLException.class, () -> c.dataSource().getConnection());
            assertTrue(e.getMessage().contains("org.postgresql:postgresql"), e.getMessage());
            assertTrue(e.getMessage().contains("jdbc:postgresql://nodriver.invalid:6000/app"), e.getMessage());
            assertFalse(e.getMessage().contains(c.password()), e.getMessage());
        }
    }

    @Test
    void otherUrlParametersAreKept() {
        Clone c = new Clone(client, dev.kopi.proto.v1.Clone.newBuilder().setName("x").setHost("h").setPort(5)
                .setDatabase("d").setUser("u").setPassword("p").setState(CloneState.CLONE_STATE_RUNNING)
                .setJdbcUrl("jdbc:postgresql://h:5/d?user=u&sslmode=disable&password=p").build());
        assertEquals("jdbc:postgresql://h:5/d?sslmode=disable", c.jdbcUrlWithoutCredentials());
    }

    @Test
    void urlsAreBuiltWhenKopidGivesNone() {
        Clone c = new Clone(client, dev.kopi.proto.v1.Clone.newBuilder().setName("x").setHost("::1").setPort(5)
                .setDatabase("my db").setUser("u").setPassword("p&q").build());
        assertEquals("jdbc:postgresql://[::1]:5/my%20db?user=u&password=p%26q", c.jdbcUrl());
        assertEquals("postgresql://u:p%26q@[::1]:5/my%20db", c.uri());
        assertEquals("jdbc:postgresql://[::1]:5/my%20db", c.jdbcUrlWithoutCredentials());
    }
}
