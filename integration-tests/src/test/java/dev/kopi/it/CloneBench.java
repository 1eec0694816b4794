package dev.kopi.it;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kopi.proto.v1.AddSourceRequest;
import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.proto.v1.GetStatusRequest;
import dev.kopi.proto.v1.RefreshRequest;
import dev.kopi.proto.v1.ResetCloneRequest;

/**
 * The clone benchmark (run by scripts/bench, not by the test suite): one pgbench database
 * (scale BENCH_SCALE, default 100 = about 1.5 GB), the baselines on the same server in the same
 * run ({@code CREATE DATABASE ... TEMPLATE}, {@code pg_dump | pg_restore}), then Kopi on Btrfs
 * (embedded loop pool) and ZFS (zfs-fuse): refresh time, and BENCH_CLONES clones each timed from
 * the request to the first query answered over a fresh JDBC connection. Prints a table.
 */
public final class CloneBench {
    private static final String PGBIN = SourceCluster.BIN;

    /** One measured series. */
    record Series(String name, List<Double> millis) {
        double p(double q) {
            List<Double> s = new ArrayList<>(millis);
            Collections.sort(s);
            int i = (int) Math.ceil(q * s.size()) - 1;
            return s.get(Math.max(0, Math.min(s.size() - 1, i)));
        }
    }

    private final int scale;
    private final int clones;
    private final List<String> report = new ArrayList<>();

    private CloneBench(int scale, int clones) {
        this.scale = scale;
        this.clones = clones;
    }

    public static void main(String[] args) throws Exception {
        int scale = Integer.parseInt(System.getenv().getOrDefault("BENCH_SCALE", "100"));
        int clones = Integer.parseInt(System.getenv().getOrDefault("BENCH_CLONES", "30"));
        new CloneBench(scale, clones).run();
    }

    private void run() throws Exception {
        RunDir srcRun = RunDir.create();
        SourceCluster source = null;
        try {
            source = SourceCluster.init(srcRun.postgresDir("src").resolve("bench"), srcRun.resolve("src/sock"));
            source.start();
            log("pgbench -i -s " + scale + " ...");
            long t = System.nanoTime();
            source.sql("postgres", "CREATE DATABASE bench");
            Sh.ok(PGBIN + "pgbench", "-i", "-q", "-s", Integer.toString(scale), "-h", "127.0.0.1", "-p",
                    Integer.toString(port(source)), "-U", "postgres", "bench");
            source.sql("bench", "CHECKPOINT");
            long dbBytes = Long.parseLong(query(source, "bench", "SELECT pg_database_size('bench')"));
            log(String.format(Locale.ROOT, "source ready: %.2f GB in %.0f s", dbBytes / 1e9, secs(t)));

            SourceCluster s = source;
            Series template = timed("CREATE DATABASE TEMPLATE", 3, i -> {
                s.sql("postgres", "CREATE DATABASE tmpl_" + i + " TEMPLATE bench");
                return null;
            }, i -> s.sql("postgres", "DROP DATABASE tmpl_" + i));
            Series dump = timed("pg_dump | pg_restore", 1, i -> {
                s.sql("postgres", "CREATE DATABASE restore_" + i);
                dumpRestore(s, "bench", "restore_" + i);
                return null;
            }, i -> s.sql("postgres", "DROP DATABASE restore_" + i));
            source.stop();

            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"CREATE DATABASE ... TEMPLATE (same server)", fmt(template.p(0.5)), fmt(template.p(0.99)),
                    "1x", ""});
            rows.add(new String[] {"pg_dump -Fc \\| pg_restore (same server)", fmt(dump.p(0.5)), fmt(dump.p(0.99)),
                    ratio(template.p(0.5), dump.p(0.5)), ""});
            for (String backend : System.getenv().getOrDefault("BENCH_BACKENDS", "btrfs,btrfs-no-quotas,zfs").split(",")) {
                BackendResult r = kopi(backend, source.dataDir, dbBytes);
                rows.add(new String[] {"Kopi reset on " + backend + ": request -> first query (client)",
                        fmt(r.reset.p(0.5)), fmt(r.reset.p(0.99)), ratio(template.p(0.5), r.reset.p(0.5)),
                        "same name, port and credentials"});
                rows.add(new String[] {"Kopi clone on " + backend + ": request -> first query (client)",
                        fmt(r.client.p(0.5)), fmt(r.client.p(0.99)), ratio(template.p(0.5), r.client.p(0.5)),
                        String.format(Locale.ROOT, "vs dump/restore: %s; first (cold) clone %s ms", ratio(dump.p(0.5),
                                r.client.p(0.5)), fmt(r.cold))});
                rows.add(new String[] {"Kopi clone on " + backend + ": readyMs (daemon side)", fmt(r.daemon.p(0.5)),
                        fmt(r.daemon.p(0.99)), ratio(template.p(0.5), r.daemon.p(0.5)),
                        String.format(Locale.ROOT, "refresh %.1f s; pool space per fresh clone %s", r.refreshSeconds,
                                r.spacePerClone)});
            }
            System.out.println();
            System.out.printf(Locale.ROOT, "Kopi clone benchmark: pgbench scale %d (%.2f GB), %d clones per backend, "
                    + "%d cores, %s%n%n", scale, dbBytes / 1e9, clones, Runtime.getRuntime().availableProcessors(),
                    Sh.ok("uname", "-r").strip());
            System.out.println("| measure | p50 ms | p99 ms | faster than TEMPLATE (p50) | notes |");
            System.out.println("|---|---|---|---|---|");
            for (String[] r : rows) {
                System.out.println("| " + String.join(" | ", r) + " |");
            }
            System.out.println();
            report.forEach(System.out::println);
        } finally {
            if (source != null) {
                source.close();
            }
            Reaper.reap(srcRun.path, srcRun.zpoolName());
            srcRun.delete();
        }
    }

    /** What one backend measured. */
    record BackendResult(Series client, Series daemon, double cold, double refreshSeconds, String spacePerClone,
                         Series reset) {
    }

    private BackendResult kopi(String backend, Path dataDir, long dbBytes) throws Exception {
        RunDir run = RunDir.create();
        long poolBytes = Math.max(4L << 30, dbBytes * 3);
        Pool pool = backend.startsWith("btrfs")
                ? new BtrfsPool(run, (poolBytes >> 20) + "M", backend.equals("btrfs") ? "auto" : "off")
                : new ZfsPool(run, poolBytes);
        int first = 30000 + ThreadLocalRandom.current().nextInt(0, 300) * 100;
        Kopid kopid = null;
        try {
            kopid = new Kopid(run, pool, first, first + clones + 10).start();
            kopid.sources().addSource(AddSourceRequest.newBuilder().setName("bench").setDatadir(dataDir.toString()).build());
            log(backend + ": refresh ...");
            long t = System.nanoTime();
            kopid.sources().refresh(RefreshRequest.newBuilder().setName("bench").build()).forEachRemaining(e -> { });
            double refresh = secs(t);
            log(String.format(Locale.ROOT, "%s: refresh %.1f s", backend, refresh));

            double cold = cloneOnce(kopid, "cold", null);
            destroy(kopid, "cold");
            for (int i = 0; i < 5; i++) { // warm the daemon's JIT, as a long-running kopid is
                cloneOnce(kopid, "warm" + i, null);
                destroy(kopid, "warm" + i);
            }
            long usedBefore = kopid.status().getStatus(GetStatusRequest.getDefaultInstance()).getPoolUsedBytes();
            List<Double> client = new ArrayList<>();
            List<Double> daemon = new ArrayList<>();
            for (int i = 0; i < clones; i++) {
                client.add(cloneOnce(kopid, "c" + i, daemon));
            }
            Sh.ok("sync");
            long usedAfter = kopid.status().getStatus(GetStatusRequest.getDefaultInstance()).getPoolUsedBytes();
            String perClone = String.format(Locale.ROOT, "%.2f MB", (usedAfter - usedBefore) / 1e6 / clones);
            log(backend + ": " + clones + " clones running at once; space used by them " + (usedAfter - usedBefore) / 1_000_000
                    + " MB");
            List<Double> resets = new ArrayList<>();
            for (int i = 0; i < Math.min(clones, 20); i++) {
                long r0 = System.nanoTime();
                Clone c = kopid.clones().resetClone(ResetCloneRequest.newBuilder().setName("c0").build());
                try (Connection conn = DriverManager.getConnection(c.getJdbcUrl()); Statement st = conn.createStatement();
                     ResultSet rs = st.executeQuery("SELECT count(*) FROM pgbench_branches")) {
                    rs.next();
                }
                resets.add((System.nanoTime() - r0) / 1e6);
            }
            for (int i = 0; i < clones; i++) {
                destroy(kopid, "c" + i);
            }
            log(String.format(Locale.ROOT, "%s client p50 breakdown: reply %.1f ms, JDBC connect (TCP + SCRAM) %.1f ms, "
                    + "first query %.1f ms", backend, median(phases, 0), median(phases, 1), median(phases, 2)));
            log(backend + " daemon stages, p50/max ms, clone: " + stages(kopid.log, "clone c\\d+ of .* ready .*")
                    + "; reset: " + stages(kopid.log, "reset clone c0 .*"));
            phases.clear();
            return new BackendResult(new Series("client", client), new Series("daemon", daemon), cold, refresh, perClone,
                    new Series("reset", resets));
        } finally {
            if (kopid != null) {
                kopid.close();
            }
            pool.close();
            Reaper.reap(run.path, run.zpoolName());
            run.delete();
        }
    }

    /** Where the client's time went, per clone: reply, JDBC connect (TCP + SCRAM), first query. */
    private final List<double[]> phases = new ArrayList<>();

    /** Clone request to first query answered, over a new JDBC connection, in ms. */
    private double cloneOnce(Kopid kopid, String name, List<Double> readyMs) throws Exception {
        long t = System.nanoTime();
        Clone c = kopid.clones().createClone(CreateCloneRequest.newBuilder().setSnapshot("bench").setName(name).build());
        long replied = System.nanoTime();
        long connected;
        try (Connection conn = DriverManager.getConnection(c.getJdbcUrl()); Statement st = conn.createStatement()) {
            connected = System.nanoTime();
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pgbench_branches")) {
                rs.next();
            }
        }
        long answered = System.nanoTime();
        double ms = (answered - t) / 1e6;
        if (readyMs != null) {
            readyMs.add((double) c.getReadyMs());
            phases.add(new double[] {(replied - t) / 1e6, (connected - replied) / 1e6, (answered - connected) / 1e6});
        }
        return ms;
    }

    /**
     * The median of each stage kopid logs for the lines matching {@code line}: their last
     * parenthesis lists "stage N" pairs (ms), e.g. "(prepare 1, volume 5, owner 12, ...)".
     */
    static String stages(Path log, String line) throws IOException {
        Pattern pair = Pattern.compile("([a-z][a-z ]*) (\\d+)");
        Map<String, List<Double>> byStage = new LinkedHashMap<>();
        for (String l : Files.readAllLines(log)) {
            int open = l.lastIndexOf('(');
            if (open < 0 || !l.matches(".*" + line)) {
                continue;
            }
            Matcher m = pair.matcher(l.substring(open + 1));
            while (m.find()) {
                byStage.computeIfAbsent(m.group(1).strip(), k -> new ArrayList<>()).add(Double.parseDouble(m.group(2)));
            }
        }
        List<String> out = new ArrayList<>();
        byStage.forEach((stage, v) -> out.add(stage + " " + fmt(new Series(stage, v).p(0.5)) + "/"
                + fmt(Collections.max(v))));
        return out.isEmpty() ? "(none logged)" : String.join(", ", out);
    }

    private static double median(List<double[]> rows, int column) {
        List<Double> v = new ArrayList<>();
        rows.forEach(r -> v.add(r[column]));
        return new Series("", v).p(0.5);
    }

    private static void destroy(Kopid kopid, String name) {
        kopid.clones().destroyClone(DestroyCloneRequest.newBuilder().setName(name).build());
    }

    private Series timed(String name, int runs, Function<Integer, Void> body, java.util.function.IntConsumer cleanup) {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            body.apply(i);
            ms.add((System.nanoTime() - t) / 1e6);
            cleanup.accept(i);
            log(String.format(Locale.ROOT, "%s: %.0f ms", name, ms.get(ms.size() - 1)));
        }
        return new Series(name, ms);
    }

    private static void dumpRestore(SourceCluster s, String from, String to) {
        int port = port(s);
        try {
            List<Process> p = ProcessBuilder.startPipeline(List.of(
                    new ProcessBuilder(PGBIN + "pg_dump", "-Fc", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U",
                            "postgres", from).redirectError(ProcessBuilder.Redirect.INHERIT),
                    new ProcessBuilder(PGBIN + "pg_restore", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U",
                            "postgres", "-d", to).redirectError(ProcessBuilder.Redirect.INHERIT)
                            .redirectOutput(new File("/dev/null"))));
            for (Process x : p) {
                if (x.waitFor() != 0) {
                    throw new IllegalStateException("pg_dump | pg_restore failed");
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static int port(SourceCluster s) {
        try {
            return Integer.parseInt(Files.readAllLines(s.dataDir.resolve("postmaster.pid")).get(3).strip());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String query(SourceCluster s, String db, String sql) throws Exception {
        try (Connection c = s.connect(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static String fmt(double ms) {
        return ms >= 1000 ? String.format(Locale.ROOT, "%.0f", ms) : String.format(Locale.ROOT, "%.1f", ms);
    }

    private static String ratio(double baseline, double value) {
        double r = baseline / value;
        return String.format(Locale.ROOT, r >= 10 ? "%.0fx" : "%.1fx", r);
    }

    private void log(String line) {
        System.err.println("bench: " + line);
        report.add("- " + line);
    }

    static {
        try {
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:1/x").close();
        } catch (Exception expected) {
            // loads and registers the driver before anything is timed
        }
    }
}
