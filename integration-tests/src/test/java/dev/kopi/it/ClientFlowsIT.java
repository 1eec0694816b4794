package dev.kopi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

import dev.kopi.client.Clone;
import dev.kopi.client.KopiClient;
import dev.kopi.client.KopiClientException;
import dev.kopi.client.PreparedSnapshot;
import dev.kopi.client.SnapshotInfo;
import dev.kopi.client.jdbc.KopiDriver;
import dev.kopi.client.junit.Kopi;
import dev.kopi.it.Kopid.Cli;
import dev.kopi.proto.v1.ListClonesRequest;
import dev.kopi.proto.v1.ListSnapshotsRequest;

/**
 * Issue 5's client library and JUnit extension against a real kopid on a real pool: the
 * example project's tests, and probe tests run through the real JUnit engine (EngineTestKit),
 * in parallel, one of them failing; afterwards no clone may be left.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ClientFlowsIT {
    static final int WARM = 2;

    RunDir run;
    Pool pool;
    Kopid kopid;
    SourceCluster demo;

    abstract Pool createPool(RunDir run);

    @BeforeAll
    void setUp() throws Exception {
        run = RunDir.create();
        demo = SourceCluster.demo(run);
        pool = createPool(run);
        int portFirst = 20000 + ThreadLocalRandom.current().nextInt(0, 800) * 50;
        kopid = new Kopid(run, pool, portFirst, portFirst + 29,
                "sources:\n  warmdemo:\n    datadir: " + demo.dataDir + "\n    warm: " + WARM + "\n").start();
        kopid.addDatadirSource("demo", demo.dataDir);
    }

    @AfterEach
    void destroyClones() {
        kopid.destroyAllClones();
    }

    @AfterAll
    void tearDown() {
        Teardown.everything(run, kopid, pool, demo);
    }

    @Test
    void exampleProjectPassesAgainstARealKopidAndLeavesNoClone() {
        EngineExecutionResults r = engine()
                .selectors(selectClass("com.example.IsolationTest"), selectClass("com.example.SharedCloneTest"))
                .execute();
        assertEquals(Map.of(), failures(r));
        r.testEvents().assertStatistics(s -> s.failed(0).aborted(0));
        assertTrue(r.testEvents().succeeded().count() >= 5, "the example's tests ran: " + r.testEvents().succeeded().count());
        assertEquals(0, cloneCount(), "every clone the example took is destroyed");
    }

    @Test
    void parallelMethodsGetDistinctClonesWithTheDataAndAFailingTestsCloneIsDestroyed() {
        Probe.reset();
        EngineExecutionResults r = engine().selectors(selectClass(Probe.class)).execute();
        assertEquals(List.of("failsOnPurpose"), failures(r).keySet().stream().toList(), () -> failures(r).toString());
        r.testEvents().assertStatistics(s -> s.succeeded(Probe.METHODS - 1).failed(1));
        assertEquals(Probe.METHODS, Probe.clones.size(), "one clone per method: " + Probe.clones);
        assertEquals(Probe.METHODS, Set.copyOf(Probe.clones.values()).size(), "each on its own port");
        assertTrue(Probe.concurrent, "the methods ran at the same time");
        assertEquals(0, cloneCount(), "all destroyed, the failing test's clone too");
    }

    @Test
    void libraryCreatesResetsAndDestroysAndTheTtlBackstopIsSet() throws Exception {
        try (KopiClient client = KopiClient.connect(kopid.socket)) {
            Clone c = client.newClone("demo").name("lib-1").ttl(java.time.Duration.ofMinutes(5)).create();
            try (Connection db = c.dataSource().getConnection(); Statement st = db.createStatement()) {
                st.execute("DELETE FROM orders");
            }
            assertTrue(!kopid.clones().getClone(dev.kopi.proto.v1.GetCloneRequest.newBuilder().setName("lib-1").build())
                    .getExpiresAt().isEmpty(), "the TTL reached kopid");
            c.reset();
            try (Connection db = c.dataSource().getConnection(); Statement st = db.createStatement()) {
                assertEquals(5000, KopiFlowsIT.count(st, "SELECT count(*) FROM orders"), "reset brought the rows back");
            }
            c.close();
            c.close(); // idempotent
            assertEquals(0, cloneCount());
        }
    }

    // ------------------------------------------------------------------ warm pool

    @Test
    void warmPoolHandsOutARunningCloneRefillsAndIsReplacedByANewSnapshot() throws Exception {
        assertEquals(0, kopid.cli("refresh", "warmdemo").code());
        SourcesFlowsIT.waitFor(java.time.Duration.ofSeconds(30), () -> warmVolumes().size() == WARM
                && warmCount() == WARM, "the pool is filled");
        Set<String> before = warmVolumes();
        assertEquals(0, cloneCount(), "warm clones are not listed as clones");

        dev.kopi.proto.v1.Clone c = kopid.clones().createClone(dev.kopi.proto.v1.CreateCloneRequest.newBuilder()
                .setSnapshot("warmdemo").setName("handed").setTtl("10m").build());
        assertTrue(!pool.exists("clones/handed"), "no new volume: a warm one was handed out");
        assertEquals(1, cloneCount());
        assertTrue(!c.getExpiresAt().isEmpty(), "the caller's TTL applies");
        try (Connection db = KopiFlowsIT.connect(c.getUri()); Statement st = db.createStatement()) {
            assertEquals(1000, KopiFlowsIT.count(st, "SELECT count(*) FROM customers"));
        }
        SourcesFlowsIT.waitFor(java.time.Duration.ofSeconds(30), () -> warmCount() == WARM
                && warmVolumes().size() == WARM + 1, "the pool refills (the handed-out clone keeps its warm volume)");

        assertEquals(0, kopid.cli("refresh", "warmdemo").code());
        SourcesFlowsIT.waitFor(java.time.Duration.ofSeconds(30), () -> warmCount() == WARM
                && warmVolumes().size() == WARM + 1
                && warmVolumes().stream().filter(before::contains).count() == 1,
                "warm clones of the new snapshot replace those of the old (only the handed-out one stays)");
        assertEquals(1, cloneCount(), "the handed-out clone is the caller's: a new snapshot does not touch it");

        kopid.kill9();
        kopid.start();
        SourcesFlowsIT.waitFor(java.time.Duration.ofSeconds(30), () -> warmCount() == WARM, "refilled after a restart");
        assertEquals(1, cloneCount(), "the handed-out clone survived the restart");
        kopid.cli("destroy", "handed");
        SourcesFlowsIT.waitFor(java.time.Duration.ofSeconds(10), () -> warmVolumes().size() == WARM,
                "destroying it removed its (warm-named) volume");
    }

    // ------------------------------------------------------------------ prepared snapshots

    private static String newKey() {
        return "k" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }

    /** A setup that adds a column (a migration), counting its runs. */
    private static PreparedSnapshot.Setup migration(AtomicInteger runs) {
        return clone -> {
            runs.incrementAndGet();
            try (Connection db = clone.dataSource().getConnection(); Statement st = db.createStatement()) {
                st.execute("ALTER TABLE orders ADD COLUMN migrated int NOT NULL DEFAULT 7");
            }
        };
    }

    private void deleteSnapshots(String line) {
        kopid.snapshots().listSnapshots(ListSnapshotsRequest.newBuilder().setSource(line).build()).getSnapshotsList()
                .forEach(s -> kopid.cli("delete-snapshot", "--force", s.getName()));
    }

    @Test
    void aPreparedSnapshotIsBuiltOnceThenHandedOutAtOnceAndClonesHaveTheMigration() throws Exception {
        String key = newKey();
        AtomicInteger runs = new AtomicInteger();
        try (KopiClient first = KopiClient.connect(kopid.socket); KopiClient second = KopiClient.connect(kopid.socket)) {
            SnapshotInfo built = first.prepared("demo").key(key).build(migration(runs));
            assertTrue(built.name().startsWith("demo." + key + "@"), built.name());
            assertEquals(0, cloneCount(), "the builder clone is gone once the snapshot is published");

            long t = System.nanoTime();
            SnapshotInfo again = second.prepared("demo").key(key).build(migration(runs));
            long ms = (System.nanoTime() - t) / 1_000_000;
            assertEquals(built.name(), again.name());
            assertEquals(1, runs.get(), "the second caller built nothing");
            assertTrue(ms < 2000, "handed out at once, not built: " + ms + " ms");

            try (Clone c = first.clone(built.name()); Connection db = c.dataSource().getConnection();
                 Statement st = db.createStatement()) {
                assertEquals(5000, KopiFlowsIT.count(st, "SELECT count(*) FROM orders WHERE migrated = 7"),
                        "a clone of the prepared snapshot has the production rows and the migration");
            }
            Cli other = kopid.cli("snapshots", "-o", "json");
            assertTrue(other.out().replace(" ", "").contains("\"preparedKey\":\"" + key + "\""), other.out());
        } finally {
            deleteSnapshots("demo." + key);
        }
    }

    @Test
    void kopictlPrepareRunsACommandOnceAgainstAClonePublishesItAndAFailingCommandPublishesNothing() throws Exception {
        String key = newKey();
        Path runs = Files.createTempFile("kopi-it-prepare", ".runs");
        // The command gets the clone through libpq's variables alone, as a migration tool would.
        String migrate = "echo run >> " + runs + " && psql -X -q -v ON_ERROR_STOP=1"
                + " -c 'ALTER TABLE orders ADD COLUMN prepared int NOT NULL DEFAULT 9'";
        try {
            Cli first = kopid.cli("prepare", "demo", "--key", key, "--", "sh", "-c", migrate);
            assertEquals(0, first.code(), first.err());
            String name = first.out().strip();
            assertTrue(name.startsWith("demo." + key + "@"), "stdout is the snapshot's name alone: " + first.out());
            Cli second = kopid.cli("prepare", "demo", "--key", key, "--", "sh", "-c", migrate);
            assertEquals(0, second.code(), second.err());
            assertEquals(name, second.out().strip());
            assertEquals(1, Files.readAllLines(runs).size(), "the second prepare ran nothing");
            assertEquals(0, cloneCount(), "no builder clone is left");
            try (KopiClient client = KopiClient.connect(kopid.socket); Clone c = client.clone(name);
                 Connection db = c.dataSource().getConnection(); Statement st = db.createStatement()) {
                assertEquals(5000, KopiFlowsIT.count(st, "SELECT count(*) FROM orders WHERE prepared = 9"),
                        "a clone of it has the production rows and what the command did");
            }

            String other = newKey();
            Cli failed = kopid.cli("prepare", "demo", "--key", other, "--", "sh", "-c", "exit 3");
            assertEquals(1, failed.code(), failed.out());
            assertTrue(failed.err().contains("exited with 3") && failed.err().contains("nothing was published"),
                    failed.err());
            assertEquals(0, kopid.snapshots().listSnapshots(ListSnapshotsRequest.newBuilder()
                    .setSource("demo." + other).build()).getSnapshotsCount(), "nothing was published");
            assertEquals(0, cloneCount(), "the failed build's clone is destroyed");
        } finally {
            Files.deleteIfExists(runs);
            deleteSnapshots("demo." + key);
        }
    }

    @Test
    void concurrentCallersForOneKeyBuildItOnceAndAllGetIt() throws Exception {
        String key = newKey();
        AtomicInteger runs = new AtomicInteger();
        PreparedSnapshot.Setup slow = clone -> {
            migration(runs).apply(clone);
            Thread.sleep(1500); // the others ask while this one builds
        };
        ExecutorService pool3 = Executors.newFixedThreadPool(3);
        try (KopiClient client = KopiClient.connect(kopid.socket)) {
            List<Future<SnapshotInfo>> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                all.add(pool3.submit(() -> client.prepared("demo").key(key).build(slow)));
            }
            Set<String> names = new HashSet<>();
            for (Future<SnapshotInfo> f : all) {
                names.add(f.get(2, TimeUnit.MINUTES).name());
            }
            assertEquals(1, names.size(), "one snapshot for all: " + names);
            assertEquals(1, runs.get(), "built once");
        } finally {
            pool3.shutdownNow();
            deleteSnapshots("demo." + key);
        }
    }

    @Test
    void aFailedSetupLeavesNothingAndTheNextCallerBuilds() throws Exception {
        String key = newKey();
        AtomicInteger runs = new AtomicInteger();
        try (KopiClient client = KopiClient.connect(kopid.socket)) {
            KopiClientException e = assertThrows(KopiClientException.class, () -> client.prepared("demo").key(key)
                    .build(clone -> {
                        throw new IllegalStateException("migration V2 failed");
                    }));
            assertTrue(e.getMessage().contains("migration V2 failed"), e.getMessage());
            assertEquals(0, cloneCount(), "the failed build's clone is destroyed");
            assertEquals(0, kopid.snapshots().listSnapshots(ListSnapshotsRequest.newBuilder().setSource("demo." + key)
                    .build()).getSnapshotsCount(), "nothing was published");

            assertTrue(client.prepared("demo").key(key).build(migration(runs)).name().startsWith("demo." + key));
            assertEquals(1, runs.get());
        } finally {
            deleteSnapshots("demo." + key);
        }
    }

    @Test
    void aNewBaseSnapshotOrAnotherKeyBuildsAgain() throws Exception {
        String key = newKey();
        String otherKey = newKey();
        AtomicInteger runs = new AtomicInteger();
        try (KopiClient client = KopiClient.connect(kopid.socket)) {
            SnapshotInfo first = client.prepared("demo").key(key).build(migration(runs));
            SnapshotInfo other = client.prepared("demo").key(otherKey).build(migration(runs));
            assertEquals(2, runs.get(), "another key is another build");
            assertTrue(other.name().startsWith("demo." + otherKey + "@"), other.name());

            assertEquals(0, kopid.cli("refresh", "demo").code());
            SnapshotInfo rebuilt = client.prepared("demo").key(key).build(migration(runs));
            assertEquals(3, runs.get(), "a new demo snapshot makes the key build again");
            assertTrue(!rebuilt.name().equals(first.name()), rebuilt.name());
            assertTrue(kopid.snapshots().listSnapshots(ListSnapshotsRequest.newBuilder().setSource("demo." + key)
                    .build()).getSnapshotsList().stream().noneMatch(s -> s.getName().equals(first.name())),
                    "the build from the old base is replaced, being unused");
        } finally {
            deleteSnapshots("demo." + key);
            deleteSnapshots("demo." + otherKey);
        }
    }

    @Test
    void flywayMigrationsArePreparedOnceAndEveryTestClonesTheMigratedSnapshot() throws Exception {
        Set<String> lines = new HashSet<>();
        try {
            for (int run = 1; run <= 2; run++) { // two engine runs stand for two test JVMs
                FlywayProbe.snapshots.clear();
                EngineExecutionResults r = engine().selectors(selectClass(FlywayProbe.class)).execute();
                assertEquals(Map.of(), failures(r), "run " + run);
                r.testEvents().assertStatistics(s -> s.succeeded(2).failed(0));
                assertEquals(1, FlywayProbe.snapshots.size(), "every test cloned one snapshot: " + FlywayProbe.snapshots);
                lines.addAll(FlywayProbe.snapshots);
            }
            assertEquals(1, lines.size(), "the second run built nothing: the same prepared snapshot " + lines);
            String line = lines.iterator().next().replaceAll("@.*", "");
            assertTrue(line.startsWith("demo."), line);
            assertEquals(1, kopid.snapshots().listSnapshots(ListSnapshotsRequest.newBuilder().setSource(line).build())
                    .getSnapshotsCount());
            assertEquals(0, cloneCount(), "test clones and the builder clone are gone");
        } finally {
            lines.forEach(s -> deleteSnapshots(s.replaceAll("@.*", "")));
        }
    }

    @Test
    void aLiquibaseChangelogIsPreparedOnceLikewise() throws Exception {
        Set<String> lines = new HashSet<>();
        try {
            for (int run = 1; run <= 2; run++) {
                LiquibaseProbe.snapshots.clear();
                EngineExecutionResults r = engine().selectors(selectClass(LiquibaseProbe.class)).execute();
                assertEquals(Map.of(), failures(r), "run " + run);
                r.testEvents().assertStatistics(s -> s.succeeded(1).failed(0));
                lines.addAll(LiquibaseProbe.snapshots);
            }
            assertEquals(1, lines.size(), "the second run built nothing: " + lines);
            assertEquals(0, cloneCount());
        } finally {
            lines.forEach(s -> deleteSnapshots(s.replaceAll("@.*", "")));
        }
    }

    // ------------------------------------------------------------------ Spring Boot

    /**
     * The Spring Boot example's tests, on Boot 3.5 and on Boot 4.0, run by Maven as a team would
     * run them (JVMs of their own), against this kopid: Flyway's migration prepared once (the
     * Boot 4 run finds it made), a reset between methods, one clone per context. Nothing may be
     * left: no clone, and one prepared snapshot.
     */
    @Test
    void springBootExampleTestsPassOnClonesWithTheirMigrationsAndLeaveNoClone() throws Exception {
        Sh.Result r = Sh.run(List.of("mvn", "-B", "-q", "-f", Kopid.repo().resolve("pom.xml").toString(), "-pl",
                "examples/spring-boot-example,examples/spring-boot4-example", "-am", "test", "-Dkopi.example.skip=false",
                "-Dkopi.socket=" + kopid.socket, "-Dkopi.snapshot=demo", "-Dtest=com.example.**",
                "-Dsurefire.failIfNoSpecifiedTests=false"));
        try {
            assertEquals(0, r.code(), () -> "the example's tests failed:\n" + r.out());
            assertEquals(0, cloneCount(), "each context's clone is destroyed when the context closes");
            List<String> prepared = kopid.snapshots().listSnapshots(ListSnapshotsRequest.getDefaultInstance())
                    .getSnapshotsList().stream().filter(s -> !s.getPreparedKey().isEmpty())
                    .map(dev.kopi.proto.v1.Snapshot::getName).toList();
            assertEquals(1, prepared.size(), "one migrated snapshot for every test class on both Boots: " + prepared);
        } finally {
            kopid.snapshots().listSnapshots(ListSnapshotsRequest.getDefaultInstance()).getSnapshotsList().stream()
                    .filter(s -> !s.getPreparedKey().isEmpty()).forEach(s -> deleteSnapshots(s.getSource()));
        }
    }

    // ------------------------------------------------------------------ jdbc:kopi:

    @Test
    void aPoolOnAJdbcKopiUrlSharesOneCloneWhichGoesWhenThePoolCloses() throws Exception {
        System.setProperty(KopiDriver.SOCKET_PROPERTY, kopid.socket.toString());
        String url = "jdbc:kopi:demo?ttl=10m&linger=1s";
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(3);
        config.setMinimumIdle(3);
        try (HikariDataSource pool3 = new HikariDataSource(config)) {
            try (Connection a = pool3.getConnection(); Connection b = pool3.getConnection();
                 Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
                assertEquals(5000, KopiFlowsIT.count(sa, "SELECT count(*) FROM orders"));
                sa.execute("DELETE FROM orders WHERE id > 100");
                assertEquals(100, KopiFlowsIT.count(sb, "SELECT count(*) FROM orders"),
                        "the pool's connections are to one clone");
            }
            assertEquals(1, cloneCount());
            assertEquals(KopiDriver.cloneOf(url).name(), kopid.clones().listClones(ListClonesRequest
                    .getDefaultInstance()).getClones(0).getName());
        }
        SourcesFlowsIT.waitFor(java.time.Duration.ofSeconds(20), () -> cloneCount() == 0,
                "closing the pool destroyed the clone");
        assertNull(KopiDriver.cloneOf(url));
    }

    private Set<String> warmVolumes() {
        return pool.volumes().stream().filter(v -> v.startsWith("clones/warm-")).collect(java.util.stream.Collectors.toSet());
    }

    private int warmCount() {
        return kopid.status().getStatus(dev.kopi.proto.v1.GetStatusRequest.getDefaultInstance()).getWarmClones();
    }

    private EngineTestKit.Builder engine() {
        return EngineTestKit.engine("junit-jupiter")
                .configurationParameters(Map.of(
                        "kopi.socket", kopid.socket.toString(),
                        "kopi.snapshot", "demo",
                        "junit.jupiter.execution.parallel.enabled", "true",
                        "junit.jupiter.execution.parallel.mode.default", "concurrent",
                        "junit.jupiter.execution.parallel.config.strategy", "fixed",
                        "junit.jupiter.execution.parallel.config.fixed.parallelism", Integer.toString(Probe.METHODS)));
    }

    /** Failed tests by method name, with what they threw. */
    private static Map<String, String> failures(EngineExecutionResults r) {
        Map<String, String> out = new java.util.TreeMap<>();
        r.allEvents().failed().stream().forEach(e -> out.put(e.getTestDescriptor().getLegacyReportingName()
                .replaceAll("\\(.*", ""), e.getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable).map(Throwable::toString).orElse("?")));
        return out;
    }

    private int cloneCount() {
        return kopid.clones().listClones(ListClonesRequest.getDefaultInstance()).getClonesCount();
    }

    /**
     * Run only through {@link #engine()} (failsafe skips nested classes): each method records
     * its clone, waits for the others to be running at the same time, reads the snapshot's data;
     * one fails on purpose.
     */
    @Kopi(snapshot = "${kopi.snapshot}")
    static class Probe {
        static final int METHODS = 4;
        static final Map<String, Integer> clones = new ConcurrentHashMap<>();
        static CountDownLatch together;
        static volatile boolean concurrent;

        static void reset() {
            clones.clear();
            together = new CountDownLatch(METHODS);
            concurrent = false;
        }

        void body(Clone clone, DataSource ds) throws Exception {
            clones.put(clone.name(), clone.port());
            together.countDown();
            if (together.await(60, TimeUnit.SECONDS)) {
                concurrent = true;
            }
            try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM customers")) {
                rs.next();
                assertEquals(1000, rs.getInt(1));
                st.execute("DELETE FROM orders WHERE customer_id > 10"); // visible to no other method
            }
        }

        @Test
        void first(Clone clone, DataSource ds) throws Exception {
            body(clone, ds);
        }

        @Test
        void second(Clone clone, DataSource ds) throws Exception {
            body(clone, ds);
        }

        @Test
        void third(Clone clone, DataSource ds) throws Exception {
            body(clone, ds);
        }

        @Test
        void failsOnPurpose(Clone clone, DataSource ds) throws Exception {
            body(clone, ds);
            throw new AssertionError("this test fails on purpose; its clone must still be destroyed");
        }
    }

    /** Run only through {@link #engine()}: each test sees the Flyway migrations on production data. */
    @Kopi(snapshot = "${kopi.snapshot}", migrations = "classpath:kopi-it/flyway")
    static class FlywayProbe {
        static final Set<String> snapshots = ConcurrentHashMap.newKeySet();

        @Test
        void seesTheMigratedSchemaWithTheData(Clone clone, DataSource ds) throws Exception {
            snapshots.add(clone.snapshot());
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                assertEquals(5000, KopiFlowsIT.count(st, "SELECT count(*) FROM orders WHERE loyalty_points = 3"));
                assertEquals(2, KopiFlowsIT.count(st, "SELECT count(*) FROM flyway_schema_history WHERE success AND type = 'SQL'"));
                st.execute("INSERT INTO order_notes (order_id) VALUES (1)");
            }
        }

        @Test
        void anotherTestGetsItsOwnMigratedClone(Clone clone, DataSource ds) throws Exception {
            snapshots.add(clone.snapshot());
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                assertEquals(0, KopiFlowsIT.count(st, "SELECT count(*) FROM order_notes"));
            }
        }
    }

    /** Run only through {@link #engine()}: the Liquibase changelog (with an include) on production data. */
    @Kopi(snapshot = "${kopi.snapshot}", changelog = "classpath:kopi-it/liquibase/changelog.yaml")
    static class LiquibaseProbe {
        static final Set<String> snapshots = ConcurrentHashMap.newKeySet();

        @Test
        void seesTheChangelogApplied(Clone clone, DataSource ds) throws Exception {
            snapshots.add(clone.snapshot());
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                assertEquals(0, KopiFlowsIT.count(st, "SELECT count(*) FROM coupons"));
                assertEquals(5000, KopiFlowsIT.count(st, "SELECT count(*) FROM orders WHERE coupon IS NULL"));
                assertEquals(1, KopiFlowsIT.count(st, "SELECT count(*) FROM databasechangelog"));
            }
        }
    }
}
