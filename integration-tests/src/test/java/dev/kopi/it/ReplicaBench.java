package dev.kopi.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import dev.kopi.proto.v1.AddSourceRequest;
import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.proto.v1.RefreshEvent;
import dev.kopi.proto.v1.RefreshRequest;
import dev.kopi.proto.v1.SourceSettings;

/**
 * The replica benchmark (scripts/bench replica; not part of the test suite): for each pgbench
 * scale in BENCH_SCALES (default "30,100") a password-protected primary, and on each backend in
 * BENCH_BACKENDS (default "btrfs") a kopid with a basebackup source and a replica source of it.
 * After 1% of pgbench_accounts changed (BENCH_CHANGES: clustered, scattered; see {@link #change}):
 * the replica refresh beside the basebackup refresh (best of BENCH_RUNS, default 3); the data age at publish (publish time minus the newest commit the
 * snapshot holds, committed just before the refresh); and point-in-time clone latency (request
 * to first query) for each target BENCH_PITR_BACK seconds back (default "60", empty for none) of pgbench writing after
 * the newest raw base, all of which recovery replays. Prints a table with ratios.
 */
public final class ReplicaBench {
    private static final String SECRET = "bench-" + Long.toHexString(ThreadLocalRandom.current().nextLong());

    private final List<String> scales = List.of(env("BENCH_SCALES", "30,100").split(","));
    private final List<String> backends = List.of(env("BENCH_BACKENDS", "btrfs").split(","));
    private final int runs = Integer.parseInt(env("BENCH_RUNS", "3"));
    /** Empty for none. */
    private final List<String> back = Stream.of(env("BENCH_PITR_BACK", "60").split(",")).filter(b -> !b.isBlank())
            .toList();
    /** How the 1% of rows changed before a replica refresh is spread: see {@link #change}. */
    private final List<String> changes = List.of(env("BENCH_CHANGES", "clustered,scattered").split(","));
    private final List<String[]> rows = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        new ReplicaBench().run();
    }

    private static String env(String name, String dflt) {
        return System.getenv().getOrDefault(name, dflt);
    }

    private void run() throws Exception {
        for (String scale : scales) {
            RunDir srcRun = RunDir.create();
            SourceCluster prod = null;
            try {
                prod = SourceCluster.production(srcRun).createKopiRole(SECRET);
                log("pgbench -i -s " + scale + " ...");
                prod.pgbenchDatabase(Integer.parseInt(scale.strip()));
                prod.sql("bench", "CREATE TABLE marker (at timestamptz NOT NULL)", "CHECKPOINT");
                long bytes = Long.parseLong(CloneBench.query(prod, "postgres",
                        "SELECT sum(pg_database_size(oid)) FROM pg_database"));
                for (String backend : backends) {
                    kopi(backend, prod, scale, bytes);
                }
            } finally {
                Teardown.everything(srcRun, null, null, prod);
            }
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "Kopi replica benchmark: best of %d runs, %d cores, %s%n%n", runs,
                Runtime.getRuntime().availableProcessors(), Sh.ok("uname", "-r").strip());
        System.out.println("| scale | backend | measure | value | ratio / target |");
        System.out.println("|---|---|---|---|---|");
        rows.forEach(r -> System.out.println("| " + String.join(" | ", r) + " |"));
    }

    private void kopi(String backend, SourceCluster prod, String scale, long bytes) throws Exception {
        RunDir run = RunDir.create();
        // The standby, its raw bases, the archive and the snapshots of both sources, each diverging
        // by what every change rewrote: a scattered change rewrites nearly the whole table.
        long poolBytes = Math.max(8L << 30, bytes * 16);
        Pool pool = backend.equals("btrfs") ? new BtrfsPool(run, (poolBytes >> 20) + "M", "auto")
                : new ZfsPool(run, poolBytes);
        int first = 30000 + ThreadLocalRandom.current().nextInt(0, 300) * 100;
        Kopid kopid = null;
        String size = String.format(Locale.ROOT, "%s (%.2f GB)", scale, bytes / 1e9);
        try {
            kopid = new Kopid(run, pool, first, first + 20).start();
            for (String kind : List.of("bb", "rep")) {
                AddSourceRequest.Builder req = AddSourceRequest.newBuilder().setName(kind)
                        .setSettings(SourceSettings.newBuilder().setKeep(1));
                if (kind.equals("bb")) {
                    req.setBasebackup(prod.conninfo("kopi", SECRET, null));
                } else {
                    // With a slot, as in production: without one the primary may recycle WAL the standby
                    // has not received yet while a large update runs, and the standby is seeded again.
                    req.setReplica(prod.conninfo("kopi", SECRET, null)).getSettingsBuilder().setSlot("kopi_bench");
                }
                kopid.sources().addSource(req.build());
            }
            double seed = refresh(kopid, "rep")[0];
            rows.add(new String[] {size, backend, "first replica refresh (seeds the standby)", sec(seed), ""});
            List<Double> bb = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                prod.sql("bench", change("clustered", scale, i));
                bb.add(refresh(kopid, "bb")[0]);
            }
            double b = min(bb);
            rows.add(new String[] {size, backend, "basebackup refresh after 1% of rows changed", sec(b), "1x"});
            for (String how : changes) {
                List<Double> rep = new ArrayList<>();
                List<Double> age = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    prod.sql("bench", change(how, scale, 10 + i));
                    prod.sql("bench", "INSERT INTO marker VALUES (clock_timestamp())");
                    double[] r = refresh(kopid, "rep");
                    rep.add(r[0]);
                    age.add(r[1]);
                }
                double r = min(rep);
                rows.add(new String[] {size, backend, "replica refresh after 1% of rows changed, " + how, sec(r),
                        String.format(Locale.ROOT, "basebackup time / this = %.1f (target >= 20)", b / r)});
                rows.add(new String[] {size, backend, "data age at publish (replica, " + how + ")", sec(max(age)),
                        "target <= 5 s"});
            }
            for (String s : back) {
                int seconds = Integer.parseInt(s.strip());
                refresh(kopid, "rep"); // a raw base now: the clone below replays everything pgbench writes next
                // Replay costs what the WAL holds, not how long it took to write: beyond two
                // minutes, the same transactions as that long at 50 per second are written
                // unthrottled (an hour's worth in minutes), and the row says so.
                String from = CloneBench.query(prod, "bench", "SELECT pg_current_wal_lsn()");
                long t0 = System.nanoTime();
                if (seconds <= 120) {
                    prod.pgbench("-T", Integer.toString(seconds), "-R", "50", "-c", "2");
                } else {
                    prod.pgbench("-t", Integer.toString(seconds * 50 / 2), "-c", "2");
                }
                double wrote = CloneBench.secs(t0);
                String walBytes = CloneBench.query(prod, "bench", "SELECT pg_size_pretty(pg_current_wal_lsn() - '"
                        + from + "'::pg_lsn)");
                Instant target = Instant.now().truncatedTo(ChronoUnit.MILLIS);
                prod.pgbench("-T", "2", "-R", "50", "-c", "2"); // commits after the target, where recovery stops
                double ms = pointInTimeClone(kopid, target);
                rows.add(new String[] {size, backend, "point-in-time clone, " + seconds + " s of 50-tps pgbench WAL to "
                        + "replay" + (seconds <= 120 ? "" : String.format(Locale.ROOT, " (%d transactions written "
                        + "unthrottled in %.0f s)", seconds * 50, wrote)) + " (request -> first query)", sec(ms / 1000),
                        walBytes + " of WAL written"});
            }
        } finally {
            Teardown.everything(run, kopid, pool);
        }
    }

    /**
     * An UPDATE of 1% of pgbench_accounts: "clustered" a contiguous range of rows (1% of the
     * pages), "scattered" every 100th row (nearly every page, so nearly every page's image is in
     * WAL and is written again on the pool).
     */
    private static String change(String how, String scale, int round) {
        long rows = Long.parseLong(scale.strip()) * 100_000L;
        if (how.equals("scattered")) {
            return "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid % 100 = " + (round % 100);
        }
        long first = (round % 100) * (rows / 100) + 1;
        return "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid BETWEEN " + first + " AND "
                + (first + rows / 100 - 1);
    }

    /** Seconds the refresh took, and how old the newest marker in its snapshot was when it was published. */
    private double[] refresh(Kopid kopid, String source) throws Exception {
        long t = System.nanoTime();
        RefreshEvent last = null;
        // Where the time went: each phase lasts until the next event (kopid's elapsed_ms)
        Map<String, Long> phases = new LinkedHashMap<>();
        String phase = null;
        long since = 0;
        for (var it = kopid.sources().refresh(RefreshRequest.newBuilder().setName(source).build()); it.hasNext(); ) {
            last = it.next();
            if (phase != null) {
                phases.merge(phase, last.getElapsedMs() - since, Long::sum);
            }
            phase = last.getPhase();
            since = last.getElapsedMs();
        }
        double s = CloneBench.secs(t);
        log("refresh of " + source + " by phase, ms: " + phases);
        double age = -1;
        if (source.equals("rep")) {
            Instant published = Instant.parse(last.getSnapshot().getCreatedAt());
            Clone c = kopid.clones().createClone(CreateCloneRequest.newBuilder().setSnapshot(last.getSnapshot().getName())
                    .setName("age").build());
            try (Connection conn = DriverManager.getConnection(c.getJdbcUrl()); Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery("SELECT max(at) FROM marker")) {
                rs.next();
                age = rs.getTimestamp(1) == null ? -1
                        : (published.toEpochMilli() - rs.getTimestamp(1).toInstant().toEpochMilli()) / 1000.0;
            } finally {
                kopid.clones().destroyClone(DestroyCloneRequest.newBuilder().setName("age").build());
            }
        }
        log(String.format(Locale.ROOT, "refresh of %s: %.2f s%s", source, s,
                age >= 0 ? String.format(Locale.ROOT, ", data %.2f s old at publish", age) : ""));
        return new double[] {s, age};
    }

    private double pointInTimeClone(Kopid kopid, Instant target) throws Exception {
        long t = System.nanoTime();
        Clone c = kopid.clones().createClone(CreateCloneRequest.newBuilder().setSnapshot("rep")
                .setAt(target.toString()).setName("pitr").build());
        try (Connection conn = DriverManager.getConnection(c.getJdbcUrl()); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pgbench_branches")) {
            rs.next();
        }
        double ms = (System.nanoTime() - t) / 1e6;
        kopid.clones().destroyClone(DestroyCloneRequest.newBuilder().setName("pitr").build());
        log(String.format(Locale.ROOT, "point-in-time clone at %s: %.0f ms", target, ms));
        return ms;
    }

    private static double min(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

    private static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }

    private static String sec(double s) {
        return String.format(Locale.ROOT, "%.2f s", s);
    }

    private static void log(String line) {
        System.err.println("bench: " + line);
    }
}
