package dev.kopi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.EventType;

import dev.kopi.client.junit.Kopi;
import dev.kopi.proto.v1.AddSourceRequest;
import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.proto.v1.GetStatusRequest;
import dev.kopi.proto.v1.RefreshRequest;

/**
 * The test-harness benchmark (scripts/bench tests; not part of the test suite): 200 test
 * methods, each taking a fresh database and running a query, through the
 * real JUnit engine. Kopi's extension (a clone per test, sequential and in parallel) beside the
 * same tests each using {@code CREATE DATABASE ... TEMPLATE} on one shared server, on a pgbench
 * database of scale BENCH_SCALE (default 10). Reports total wall time and per-test time (JUnit's
 * start to finish of each test: database made, query, database dropped).
 */
public final class HarnessBench {
    static final int TESTS = 200;
    private final int scale = Integer.parseInt(System.getenv().getOrDefault("BENCH_SCALE", "10"));
    /** Which runs to make (BENCH_ROWS, comma-separated; default all): template, cold, warm, spring, migrated. */
    private final List<String> only = List.of(System.getenv().getOrDefault("BENCH_ROWS",
            "template,cold,warm,spring,migrated").split(","));
    private final List<String[]> rows = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        new HarnessBench().run();
    }

    private void run() throws Exception {
        RunDir run = RunDir.create();
        SourceCluster server = null;
        Pool pool = null;
        Kopid kopid = null;
        try {
            server = SourceCluster.init(run.postgresDir("src").resolve("bench"), run.resolve("src/sock")).start();
            server.sql("postgres", "CREATE DATABASE bench");
            Sh.ok(SourceCluster.BIN + "pgbench", "-i", "-q", "-s", Integer.toString(scale), "-h", "127.0.0.1", "-p",
                    Integer.toString(server.port()), "-U", "postgres", "bench");
            server.seedOrders("bench"); // the Spring Boot example's tables, for its rows
            server.sql("bench", "CHECKPOINT");
            String size = CloneBench.query(server, "bench", "SELECT pg_size_pretty(pg_database_size('bench'))");
            System.err.println("bench: pgbench scale " + scale + " (" + size + ")");

            System.setProperty("bench.port", Integer.toString(server.port())); // read by TemplatePerMethod
            // Without the baseline run (BENCH_ROWS without template), ratios are against the
            // last full run's figure for this machine, which the row names.
            Result template = only.contains("template") ? runTests(TemplatePerMethod.class, Map.of(), 1) : null;
            if (template != null) {
                rows.add(template.row("CREATE DATABASE ... TEMPLATE per test, shared server, sequential", template));
            }

            pool = new BtrfsPool(run, "3G", "auto"); // two copies of the source, and the clones
            int first = 30000 + ThreadLocalRandom.current().nextInt(0, 300) * 100;
            kopid = new Kopid(run, pool, first, first + 40,
                    "sources:\n  benchwarm:\n    datadir: " + server.dataDir + "\n    warm: " + WARM + "\n").start();
            server.stop(); // a datadir source is copied stopped; the pgbench database is the same
            kopid.sources().addSource(AddSourceRequest.newBuilder().setName("bench")
                    .setDatadir(server.dataDir.toString()).build());
            kopid.sources().refresh(RefreshRequest.newBuilder().setName("bench").build()).forEachRemaining(e -> { });
            Map<String, String> kopi = Map.of("kopi.socket", kopid.socket.toString(), "kopi.snapshot", "bench");
            runTests(ClonePerMethod.class, kopi, 1); // warm-up: JIT of kopid and of this JVM
            if (only.contains("cold")) {
                Result sequential = runTests(ClonePerMethod.class, kopi, 1);
                rows.add(sequential.row("Kopi @Kopi clone per test, Btrfs, sequential (warm pool off)", template));
                Result parallel = runTests(ClonePerMethod.class, kopi, 4);
                rows.add(parallel.row("Kopi @Kopi clone per test, Btrfs, 4 in parallel (warm pool off)", template));
            }

            kopid.sources().refresh(RefreshRequest.newBuilder().setName("benchwarm").build()).forEachRemaining(e -> { });
            Map<String, String> warm = Map.of("kopi.socket", kopid.socket.toString(), "kopi.snapshot", "benchwarm");
            if (only.contains("warm")) {
                waitWarm(kopid);
                int before = handedOutWarm(kopid);
                Result warmSequential = runTests(ClonePerMethod.class, warm, 1);
                rows.add(warmSequential.row("Kopi @Kopi clone per test, Btrfs, sequential, warm pool of " + WARM
                        + " (" + (handedOutWarm(kopid) - before) + " of " + TESTS + " from warm clones)", template));
                waitWarm(kopid);
                before = handedOutWarm(kopid);
                Result warmParallel = runTests(ClonePerMethod.class, warm, 4);
                rows.add(warmParallel.row("Kopi @Kopi clone per test, Btrfs, 4 in parallel, warm pool of " + WARM
                        + " (" + (handedOutWarm(kopid) - before) + " of " + TESTS + " from warm clones)", template));
                handOuts(kopid);
                System.err.println("bench: kopid stages, p50/max ms, warm clone start: "
                        + CloneBench.stages(kopid.log, "clone warm-\\w+ of .* ready .*")
                        + "; destroy: " + CloneBench.stages(kopid.log, "destroyed clone junit-.*"));
            }
            if (only.contains("spring")) {
                springRows(kopid, template);
            }
            if (!only.contains("migrated")) {
                printTable(size);
                return;
            }

            // Production data plus a branch's migration: the first run prepares the migrated
            // snapshot (timed on its own); later runs clone it at once, from warm clones of it.
            long t = System.nanoTime();
            runTests(MigratedClonePerMethod.class, warm, 1);
            double firstRun = CloneBench.secs(t);
            waitWarm(kopid, 2 * WARM); // the source's and the migrated snapshot's
            Result migrated = runTests(MigratedClonePerMethod.class, warm, 1);
            rows.add(migrated.row("Kopi @Kopi(migrations) clone per test of the migrated snapshot, Btrfs, sequential, "
                    + "warm pool of " + WARM + " (first run, which prepares it: " + String.format(Locale.ROOT, "%.1f s",
                    firstRun) + ")", template));

            printTable(size);
        } finally {
            if (kopid != null) {
                kopid.close();
            }
            if (server != null) {
                server.close();
            }
            if (pool != null) {
                pool.close();
            }
            Reaper.reap(run.path, run.zpoolName());
            run.delete();
        }
    }

    private void printTable(String size) {
        System.out.println();
        System.out.printf(Locale.ROOT, "Kopi test-harness benchmark: %d tests, pgbench scale %d (%s), %d cores%n%n",
                TESTS, scale, size, Runtime.getRuntime().availableProcessors());
        System.out.println("| run | total wall | per test p50 | per test p99 | vs TEMPLATE (total) |");
        System.out.println("|---|---|---|---|---|");
        rows.forEach(r -> System.out.println("| " + String.join(" | ", r) + " |"));
    }

    /**
     * The Spring Boot example's benchmark classes, run by Maven as a team runs them (a JVM of
     * their own; its start and Maven's are not counted: each test's time is surefire's): 200
     * tests on one clone per context, and 200 with a reset after each. Run twice, the first
     * preparing the migrated snapshot and warming Maven's caches.
     */
    private void springRows(Kopid kopid, Result template) throws IOException {
        List<String> mvn = List.of("mvn", "-B", "-q", "-f", Kopid.repo().resolve("pom.xml").toString(), "-pl",
                "examples/spring-boot-example", "-am", "test", "-Dkopi.example.skip=false", "-Dkopi.example.bench=true",
                "-Dkopi.socket=" + kopid.socket, "-Dkopi.snapshot=benchwarm", "-Dtest=*BenchTest",
                "-Dsurefire.failIfNoSpecifiedTests=false");
        for (int run = 0; run < 2; run++) {
            waitWarmQuietly(kopid);
            Sh.Result r = Sh.run(mvn);
            if (r.code() != 0) {
                throw new IllegalStateException("the Spring Boot benchmark tests failed:\n" + r.out());
            }
        }
        Path reports = Kopid.repo().resolve("examples/spring-boot-example/target/surefire-reports");
        for (String[] c : new String[][] {{"PerClassBenchTest", "one clone per context, shared by its 200 tests"},
                {"ResetPerMethodBenchTest", "one clone per context, reset after each test"}}) {
            List<Double> ms = new ArrayList<>();
            Matcher m = Pattern.compile("<testcase [^>]*time=\"([0-9.]+)\"").matcher(
                    Files.readString(reports.resolve("TEST-com.example.orders.bench." + c[0] + ".xml")));
            while (m.find()) {
                ms.add(Double.parseDouble(m.group(1)) * 1000);
            }
            double total = ms.stream().mapToDouble(Double::doubleValue).sum() / 1000;
            rows.add(new Result(total, new CloneBench.Series(c[0], ms)).row("Spring Boot example (@AutoConfigureKopi, "
                    + "migrated snapshot), " + c[1] + ", sequential (sum of surefire's test times)", template));
        }
    }

    private static void waitWarmQuietly(Kopid kopid) {
        try {
            waitWarm(kopid);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Clones kopid has handed out from warm ones so far, counted in its log. */
    private static int handedOutWarm(Kopid kopid) throws IOException {
        try (Stream<String> lines = Files.lines(kopid.log)) {
            return (int) lines.filter(l -> l.contains(" handed out from warm clone ")).count();
        }
    }

    /** Warm clones kept for the warm runs. */
    static final int WARM = 4;

    private static void waitWarm(Kopid kopid) throws InterruptedException {
        waitWarm(kopid, WARM);
    }

    private static void waitWarm(Kopid kopid, int count) throws InterruptedException {
        for (int i = 0; i < 600 && kopid.status().getStatus(GetStatusRequest.getDefaultInstance()).getWarmClones() < count;
             i++) {
            Thread.sleep(100);
        }
    }

    /** Daemon-side hand-out time (readyMs) of single requests with a full warm pool, p50 of 20. */
    private void handOuts(Kopid kopid) throws InterruptedException {
        List<Double> ms = new ArrayList<>();
        long memory = 0;
        for (int i = 0; i < 20; i++) {
            waitWarm(kopid);
            memory = kopid.status().getStatus(GetStatusRequest.getDefaultInstance()).getWarmMemoryBytes();
            Clone c = kopid.clones().createClone(CreateCloneRequest.newBuilder().setSnapshot("benchwarm")
                    .setName("h" + i).build());
            ms.add((double) c.getReadyMs());
            kopid.clones().destroyClone(DestroyCloneRequest.newBuilder().setName("h" + i).build());
        }
        CloneBench.Series s = new CloneBench.Series("hand-out", ms);
        System.err.printf(Locale.ROOT, "bench: warm hand-out readyMs p50 %.0f ms, p99 %.0f ms; %d warm clones use "
                + "%.1f MiB (PSS), %.1f MiB each%n", s.p(0.5), s.p(0.99), WARM, memory / 1048576.0,
                memory / 1048576.0 / WARM);
        rows.add(new String[] {"warm hand-out alone (daemon readyMs, full pool)", "-", CloneBench.fmt(s.p(0.5)) + " ms",
                CloneBench.fmt(s.p(0.99)) + " ms", String.format(Locale.ROOT, "%.1f MiB memory per warm clone",
                memory / 1048576.0 / WARM)});
    }

    /** What one run of the tests took. */
    record Result(double wallSeconds, CloneBench.Series perTest) {
        String[] row(String name, Result baseline) {
            return new String[] {name, String.format(Locale.ROOT, "%.1f s", wallSeconds),
                    CloneBench.fmt(perTest.p(0.5)) + " ms", CloneBench.fmt(perTest.p(0.99)) + " ms",
                    baseline == null ? "(no baseline run)"
                            : String.format(Locale.ROOT, "%.1fx faster", baseline.wallSeconds / wallSeconds)};
        }
    }

    private static Result runTests(Class<?> tests, Map<String, String> params, int parallelism) {
        Map<String, String> config = new HashMap<>(params);
        if (parallelism > 1) {
            config.put("junit.jupiter.execution.parallel.enabled", "true");
            config.put("junit.jupiter.execution.parallel.mode.default", "concurrent");
            config.put("junit.jupiter.execution.parallel.config.strategy", "fixed");
            config.put("junit.jupiter.execution.parallel.config.fixed.parallelism", Integer.toString(parallelism));
        }
        long t = System.nanoTime();
        EngineExecutionResults r = EngineTestKit.engine("junit-jupiter").configurationParameters(config)
                .selectors(selectClass(tests)).execute();
        double wall = CloneBench.secs(t);
        // Say why tests failed (each distinct reason once) before the statistics refuse the run.
        r.testEvents().failed().stream()
                .map(e -> e.getPayload(org.junit.platform.engine.TestExecutionResult.class)
                        .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable)
                        .map(Throwable::toString).orElse("?"))
                .distinct().limit(5).forEach(why -> System.err.println("bench: a test failed: " + why));
        r.testEvents().assertStatistics(s -> s.succeeded(TESTS).failed(0));
        Map<Object, java.time.Instant> started = new HashMap<>();
        List<Double> per = new ArrayList<>();
        for (Event e : r.testEvents().list()) {
            if (e.getType() == EventType.STARTED) {
                started.put(e.getTestDescriptor().getUniqueId(), e.getTimestamp());
            } else if (e.getType() == EventType.FINISHED) {
                per.add(java.time.Duration.between(started.get(e.getTestDescriptor().getUniqueId()), e.getTimestamp())
                        .toNanos() / 1e6);
            }
        }
        System.err.printf(Locale.ROOT, "bench: %s x%d in parallel: %.1f s%n", tests.getSimpleName(), parallelism, wall);
        if (!BODY_MS.isEmpty()) {
            System.err.printf(Locale.ROOT, "bench:   inside the test, p50: connect %.1f ms, connect and query %.1f ms%n",
                    new CloneBench.Series("connect", new ArrayList<>(CONNECT_MS)).p(0.5),
                    new CloneBench.Series("body", new ArrayList<>(BODY_MS)).p(0.5));
            CONNECT_MS.clear();
            BODY_MS.clear();
        }
        return new Result(wall, new CloneBench.Series(tests.getSimpleName(), per));
    }

    /** Each test: a clone of the snapshot from Kopi's extension, one query. */
    @Kopi(snapshot = "${kopi.snapshot}", ttl = "10m")
    static class ClonePerMethod {
        @RepeatedTest(value = TESTS, name = "{currentRepetition}")
        void query(DataSource db) throws Exception {
            long t = System.nanoTime();
            try (Connection c = db.getConnection()) {
                CONNECT_MS.add((System.nanoTime() - t) / 1e6);
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT count(*) FROM pgbench_branches")) {
                    rs.next();
                    assertEquals(true, rs.getInt(1) > 0);
                }
            }
            BODY_MS.add((System.nanoTime() - t) / 1e6);
        }
    }

    /** Inside each Kopi test: the connect, and the whole body (connect and query). */
    static final List<Double> CONNECT_MS = Collections.synchronizedList(new ArrayList<>());
    static final List<Double> BODY_MS = Collections.synchronizedList(new ArrayList<>());

    /** Each test: a clone of the snapshot with a migration applied once (Flyway, prepared snapshot). */
    @Kopi(snapshot = "${kopi.snapshot}", ttl = "10m", migrations = "classpath:kopi-bench/migration")
    static class MigratedClonePerMethod {
        @RepeatedTest(value = TESTS, name = "{currentRepetition}")
        void query(DataSource db) throws Exception {
            try (Connection c = db.getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM pgbench_rewards")) {
                rs.next();
                assertEquals(0, rs.getInt(1));
            }
        }
    }

    /** Each test: CREATE DATABASE ... TEMPLATE bench on the shared server, one query, DROP. */
    static class TemplatePerMethod {
        private static final AtomicInteger NEXT = new AtomicInteger();

        @RepeatedTest(value = TESTS, name = "{currentRepetition}")
        void query() throws Exception {
            String server = "jdbc:postgresql://127.0.0.1:" + System.getProperty("bench.port") + "/";
            String db = "t" + NEXT.incrementAndGet();
            try (Connection c = DriverManager.getConnection(server + "postgres?user=postgres");
                 Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + db + " TEMPLATE bench");
            }
            try (Connection c = DriverManager.getConnection(server + db + "?user=postgres");
                 Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM pgbench_branches")) {
                rs.next();
                assertEquals(true, rs.getInt(1) > 0);
            }
            try (Connection c = DriverManager.getConnection(server + "postgres?user=postgres");
                 Statement st = c.createStatement()) {
                st.execute("DROP DATABASE " + db);
            }
        }
    }
}
