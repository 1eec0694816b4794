package dev.kopi.client.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import dev.kopi.client.Clone;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/** With JUnit's parallel execution, tests run at the same time on clones of their own. */
class ParallelTest extends ExtensionTestBase {
    static final int TESTS = 3;
    /** Every example test waits here until all of them run: proof they run concurrently. */
    static volatile CountDownLatch together;

    static void meet(Clone clone, Connection conn) throws InterruptedException, SQLException {
        see("clone", clone.name());
        see("connection", InjectionTest.remember(conn));
        together.countDown();
        assertTrue(together.await(20, TimeUnit.SECONDS), "the tests did not run concurrently");
        assertTrue(kopid.live().contains(clone.name()));
        assertTrue(!conn.isClosed());
    }

    @Kopi(snapshot = "demo")
    static class PerMethod {
        @KopiDatabase
        DataSource dataSource;

        @Test
        void a(Clone clone, Connection conn) throws Exception {
            meet(clone, conn);
        }

        @Test
        void b(Clone clone, Connection conn) throws Exception {
            meet(clone, conn);
        }

        @Test
        void c(Clone clone, Connection conn) throws Exception {
            meet(clone, conn);
        }
    }

    @Kopi(snapshot = "demo", scope = Kopi.Scope.CLASS)
    static class PerClass {
        @Test
        void a(Clone clone, Connection conn) throws Exception {
            meet(clone, conn);
        }

        @Test
        void b(Clone clone, Connection conn) throws Exception {
            meet(clone, conn);
        }

        @Test
        void c(Clone clone, Connection conn) throws Exception {
            meet(clone, conn);
        }
    }

    private EngineExecutionResults runInParallel(Class<?> example) {
        together = new CountDownLatch(TESTS);
        return run(example,
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.default", "concurrent",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "6");
    }

    @Test
    void parallelMethodsGetDistinctClonesAndAllAreDestroyed() throws SQLException {
        EngineExecutionResults r = runInParallel(PerMethod.class);
        assertEquals(List.of(), failures(r));
        r.testEvents().assertStatistics(s -> s.succeeded(TESTS));
        List<String> names = seen("clone");
        assertEquals(TESTS, new HashSet<>(names).size(), names.toString());
        assertEquals(Set.copyOf(names), Set.copyOf(kopid.destroyed()));
        assertEquals(Set.of(), kopid.live());
        assertConnectionsDistinctAndClosed();
    }

    @Test
    void parallelMethodsShareAClassCloneWithAConnectionEach() throws SQLException {
        EngineExecutionResults r = runInParallel(PerClass.class);
        assertEquals(List.of(), failures(r));
        assertEquals(1, new HashSet<>(seen("clone")).size());
        assertEquals(1, kopid.creates.size());
        assertEquals(Set.of(), kopid.live());
        assertConnectionsDistinctAndClosed();
    }

    private static void assertConnectionsDistinctAndClosed() throws SQLException {
        List<String> ids = seen("connection");
        assertEquals(TESTS, new HashSet<>(ids).size());
        for (String id : ids) {
            assertTrue(InjectionTest.connections.get(id).isClosed());
        }
    }
}
