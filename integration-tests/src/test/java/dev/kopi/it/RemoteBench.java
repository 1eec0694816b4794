package dev.kopi.it;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import dev.kopi.cli.KopiCtl;
import dev.kopi.client.Clone;
import dev.kopi.client.KopiClient;
import dev.kopi.client.KopiTarget;

/**
 * Issue 11's benchmark: clone request to first query answered, through the Unix socket to a
 * loopback clone (plain), beside the TCP API (TLS, a token) to a clone that serves TLS and is
 * verified (verify-full), with CREATE DATABASE ... TEMPLATE on the source's server as the
 * baseline; all in one run on one machine. {@code scripts/bench remote}; BENCH_SCALE (default
 * 10) and BENCH_CLONES (default 30).
 */
public final class RemoteBench {
    public static void main(String[] args) throws Exception {
        int scale = Integer.parseInt(System.getenv().getOrDefault("BENCH_SCALE", "10"));
        int clones = Integer.parseInt(System.getenv().getOrDefault("BENCH_CLONES", "30"));
        RunDir srcRun = RunDir.create();
        SourceCluster source = null;
        List<String> rows = new ArrayList<>();
        try {
            source = SourceCluster.init(srcRun.postgresDir("src").resolve("bench"), srcRun.resolve("src/sock"));
            source.start();
            source.sql("postgres", "CREATE DATABASE bench");
            Sh.ok(SourceCluster.BIN + "pgbench", "-i", "-q", "-s", Integer.toString(scale), "-h", "127.0.0.1", "-p",
                    Integer.toString(CloneBench.port(source)), "-U", "postgres", "bench");
            source.sql("bench", "CHECKPOINT");
            List<Double> template = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long t = System.nanoTime();
                source.sql("postgres", "CREATE DATABASE tmpl_" + i + " TEMPLATE bench");
                template.add((System.nanoTime() - t) / 1e6);
                source.sql("postgres", "DROP DATABASE tmpl_" + i);
            }
            source.stop();
            double base = p(template, 0.5);
            rows.add(row("CREATE DATABASE ... TEMPLATE (same server)", template, base));
            rows.add(row("Unix socket API, loopback clone (plain)", kopi(source.dataDir, clones, false), base));
            rows.add(row("TCP API over TLS with a token, TLS clone (verify-full)", kopi(source.dataDir, clones, true), base));
        } finally {
            if (source != null) {
                source.close();
            }
            Reaper.reap(srcRun.path, srcRun.zpoolName());
            srcRun.delete();
        }
        System.out.printf(Locale.ROOT, "%nKopi remote benchmark: pgbench scale %d, %d clones each, %d cores, Btrfs%n%n",
                scale, clones, Runtime.getRuntime().availableProcessors());
        System.out.println("| clone request -> first query | p50 ms | p99 ms | faster than TEMPLATE (p50) |");
        System.out.println("|---|---|---|---|");
        rows.forEach(System.out::println);
    }

    /** Request to first query answered, {@code n} times after five warm-up clones. */
    private static List<Double> kopi(Path dataDir, int n, boolean remote) throws Exception {
        RunDir run = RunDir.create();
        Pool pool = new BtrfsPool(run);
        int first = 30000 + ThreadLocalRandom.current().nextInt(0, 300) * 100;
        String api = "127.0.0.1:" + freePort();
        Kopid kopid = null;
        try {
            kopid = remote
                    ? new Kopid(run, pool, first, first + n + 10, "  listen: 0.0.0.0\n  host: 127.0.0.1\n",
                            "api:\n  listen: " + api + "\n")
                    : new Kopid(run, pool, first, first + n + 10);
            kopid.start();
            kopid.addDatadirSource("bench", dataDir);
            KopiTarget target = remote ? KopiTarget.tcp(api, token(kopid), kopid.state.resolve("tls/ca.crt"))
                    : KopiTarget.socket(kopid.socket);
            List<Double> ms = new ArrayList<>();
            try (KopiClient client = KopiClient.connect(target)) {
                for (int i = 0; i < n + 5; i++) {
                    long t = System.nanoTime();
                    Clone c = client.newClone("bench").name("b" + i).create();
                    try (Connection conn = DriverManager.getConnection(c.jdbcUrl()); Statement st = conn.createStatement();
                         ResultSet rs = st.executeQuery("SELECT count(*) FROM pgbench_branches")) {
                        rs.next();
                    }
                    if (i >= 5) { // the first five warm the daemon's and this JVM's JIT
                        ms.add((System.nanoTime() - t) / 1e6);
                    }
                }
                for (int i = 0; i < n + 5; i++) {
                    client.getClone("b" + i).close();
                }
            }
            System.err.printf(Locale.ROOT, "bench: %s p50 %.1f ms%n", remote ? "tcp+tls" : "unix", p(ms, 0.5));
            return ms;
        } finally {
            if (kopid != null) {
                kopid.close();
            }
            pool.close();
            Reaper.reap(run.path, run.zpoolName());
            run.delete();
        }
    }

    private static String token(Kopid kopid) {
        StringWriter o = new StringWriter();
        int code = KopiCtl.run(new String[] {"token", "create", "bench", "--role", "user"}, new PrintWriter(o),
                new PrintWriter(new StringWriter()), Map.of("KOPI_SOCKET", kopid.socket.toString()));
        if (code != 0) {
            throw new IllegalStateException("kopictl token create failed");
        }
        return o.toString().strip();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static double p(List<Double> v, double q) {
        return new CloneBench.Series("", v).p(q);
    }

    private static String row(String name, List<Double> ms, double base) {
        return String.format(Locale.ROOT, "| %s | %s | %s | %.1fx |", name, CloneBench.fmt(p(ms, 0.5)),
                CloneBench.fmt(p(ms, 0.99)), base / p(ms, 0.5));
    }

    static {
        try {
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:1/x").close();
        } catch (Exception expected) {
            // loads and registers the driver before anything is timed
        }
    }
}
