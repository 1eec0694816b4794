package dev.kopi.client.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import dev.kopi.client.Clone;
import dev.kopi.client.FakeDriver;
import dev.kopi.client.FakeKopid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/** What tests can ask for, where, and that connections are closed after them. */
class InjectionTest extends ExtensionTestBase {
    /** Connections examples were given, by an id recorded in {@link #seen}. */
    static final Map<String, Connection> connections = new ConcurrentHashMap<>();

    static String remember(Connection c) {
        String id = Integer.toHexString(System.identityHashCode(c));
        connections.put(id, c);
        return id;
    }

    @Kopi(snapshot = "demo")
    static class Everywhere {
        final Clone fromConstructor;

        @KopiDatabase
        Clone clone;
        @KopiDatabase
        DataSource dataSource;
        @KopiDatabase
        private Connection connection;

        Everywhere(Clone clone, DataSource dataSource) {
            this.fromConstructor = clone;
            assertSame(clone.dataSource(), dataSource);
        }

        @BeforeEach
        void before(Clone c, Connection conn) {
            assertSame(clone, c);
            assertSame(connection, conn);
        }

        @Test
        void first(Clone c, DataSource ds, Connection conn) throws SQLException {
            check(c, ds, conn);
        }

        @Test
        void second(Clone c, DataSource ds, Connection conn) throws SQLException {
            check(c, ds, conn);
        }

        private void check(Clone c, DataSource ds, Connection conn) throws SQLException {
            assertSame(fromConstructor, c, "the constructor got the test's own clone");
            assertSame(clone, c);
            assertSame(dataSource, ds);
            assertSame(c.dataSource(), ds);
            assertSame(connection, conn, "one connection per test");
            assertFalse(conn.isClosed());
            FakeDriver.Opened opened = FakeDriver.opened(conn);
            assertEquals("jdbc:postgresql://fakehost:" + c.port() + "/app", opened.url());
            assertEquals(c.user(), opened.user());
            assertEquals(c.password(), opened.password());
            see("clone", c.name());
            see("connection", remember(conn));
        }

        @AfterEach
        void after(Connection conn) throws SQLException {
            assertSame(connection, conn);
            assertFalse(conn.isClosed(), "still open in @AfterEach");
        }
    }

    @Test
    void parametersFieldsAndConstructorsGetTheTestsClone() throws SQLException {
        EngineExecutionResults r = run(Everywhere.class);
        assertEquals(List.of(), failures(r));
        r.testEvents().assertStatistics(s -> s.succeeded(2));
        assertEquals(2, new HashSet<>(seen("clone")).size());
        List<String> ids = seen("connection");
        assertEquals(2, new HashSet<>(ids).size());
        for (String id : ids) {
            assertTrue(connections.get(id).isClosed(), "closed after the test");
        }
        assertEquals(Set.of(), kopid.live());
    }

    @Kopi(snapshot = "demo", scope = Kopi.Scope.CLASS)
    static class ClassConnections {
        static Connection classConnection;

        @BeforeAll
        static void before(Connection conn) {
            classConnection = conn;
            see("class connection", remember(conn));
        }

        @Test
        void one(Connection conn) throws SQLException {
            assertNotSame(classConnection, conn, "each test has its own connection");
            assertFalse(classConnection.isClosed());
            see("connection", remember(conn));
        }

        @Test
        void two(Connection conn) {
            assertNotSame(classConnection, conn);
            see("connection", remember(conn));
        }

        @AfterAll
        static void after(Connection conn) throws SQLException {
            assertSame(classConnection, conn);
            assertFalse(conn.isClosed());
        }
    }

    @Test
    void aClassScopeCloneStillGivesEachTestItsOwnConnection() throws SQLException {
        EngineExecutionResults r = run(ClassConnections.class);
        assertEquals(List.of(), failures(r));
        List<String> ids = new ArrayList<>(seen("connection"));
        ids.addAll(seen("class connection"));
        assertEquals(3, new HashSet<>(ids).size());
        for (String id : ids) {
            assertTrue(connections.get(id).isClosed());
        }
        assertEquals(1, kopid.creates.size());
        assertEquals(Set.of(), kopid.live());
    }

    @Kopi(snapshot = "demo")
    static class WantsAConnection {
        @Test
        void dataSourceAlone(DataSource ds) {
            see("data source", ds);
        }

        @Test
        void connection(Connection conn) {
            see("connection", conn);
        }
    }

    @Test
    void aConnectionWithoutADriverFailsClearly() throws Exception {
        Path other = dir.resolve("other.sock");
        try (FakeKopid noDriver = FakeKopid.onSocket(other, "nodriver.invalid")) {
            EngineExecutionResults r = run(WantsAConnection.class, KopiExtension.SOCKET_PARAMETER, other.toString());
            r.testEvents().assertStatistics(s -> s.started(2).succeeded(1).failed(1));
            List<String> failures = failures(r);
            assertEquals(1, failures.size());
            assertTrue(failures.get(0).contains("org.postgresql:postgresql"), failures.get(0));
            assertTrue(failures.get(0).contains("jdbc:postgresql://nodriver.invalid:"), failures.get(0));
            assertEquals(List.of(), seen("connection"));
            assertEquals(2, noDriver.destroyed().size(), "destroyed anyway");
            assertEquals(Set.of(), noDriver.live());
        }
    }

    @Kopi(snapshot = "demo")
    static class StaticField {
        @KopiDatabase
        static Clone clone;

        @Test
        void t() {
        }
    }

    @Kopi(snapshot = "demo")
    static class WrongType {
        @KopiDatabase
        String url;

        @Test
        void t() {
        }
    }

    @Test
    void badFieldsAreExplained() {
        List<String> f = failures(run(StaticField.class));
        assertEquals(1, f.size());
        assertTrue(f.get(0).contains("StaticField.clone must not be static"), f.get(0));
        f = failures(run(WrongType.class));
        assertTrue(f.get(0).contains("WrongType.url has type java.lang.String; use Clone, DataSource or Connection"),
                f.get(0));
        assertEquals(Set.of(), kopid.live());
    }
}
