package dev.kopi.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

import dev.kopi.proto.v1.AddSourceRequest;
import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.proto.v1.RefreshRequest;
import dev.kopi.proto.v1.SourceSettings;

/**
 * The refresh benchmark (scripts/bench refresh; not part of the test suite): a password-protected
 * "production" server holding a pgbench database (scale BENCH_SCALE, default 100 = about
 * 1.5 GB); the baseline, plain pg_basebackup into a directory on the same disk in the same run
 * (with its default fsync, and with --no-sync as Kopi runs it); then on Btrfs and ZFS: Kopi's
 * basebackup refresh (BENCH_RUNS times), a dump refresh and a seed refresh, and clone-ready
 * latency (request to first query) on the snapshot each kind made. Prints a table.
 */
public final class RefreshBench {
    private static final String PGBIN = SourceCluster.BIN;
    private static final String SECRET = "bench-" + Long.toHexString(ThreadLocalRandom.current().nextLong());

    private final int scale = Integer.parseInt(System.getenv().getOrDefault("BENCH_SCALE", "100"));
    private final int runs = Integer.parseInt(System.getenv().getOrDefault("BENCH_RUNS", "2"));
    private final int clones = Integer.parseInt(System.getenv().getOrDefault("BENCH_CLONES", "10"));
    /** Which extra kinds to measure besides basebackup: "dump,seed" by default. */
    private final List<String> kinds = List.of(System.getenv().getOrDefault("BENCH_KINDS", "dump,seed").split(","));
    private final List<String> notes = new ArrayList<>();
    private final List<String[]> rows = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        new RefreshBench().run();
    }

    private void run() throws Exception {
        RunDir srcRun = RunDir.create();
        SourceCluster prod = null;
        try {
            prod = SourceCluster.production(srcRun).createKopiRole(SECRET);
            log("pgbench -i -s " + scale + " ...");
            prod.pgbenchDatabase(scale);
            long clusterBytes = Long.parseLong(CloneBench.query(prod, "postgres",
                    "SELECT sum(pg_database_size(oid)) FROM pg_database"));
            log(String.format(Locale.ROOT, "source: %.2f GB in all databases", clusterBytes / 1e9));

            List<Double> plain = new ArrayList<>();
            List<Double> plainNoSync = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                plain.add(basebackup(srcRun, "plain" + i, prod, false));
                plainNoSync.add(basebackup(srcRun, "nosync" + i, prod, true));
            }
            double base = min(plain);
            double baseNoSync = min(plainNoSync);
            rows.add(new String[] {"pg_basebackup -X stream -c fast to a directory (fsync, its default)", sec(base),
                    "1x", ""});
            rows.add(new String[] {"pg_basebackup ... --no-sync to a directory", sec(baseNoSync),
                    ratio(base, baseNoSync), "what Kopi runs: its seal (a CoW snapshot) writes the data out"});

            for (String backend : List.of("btrfs", "zfs")) {
                kopi(backend, prod, clusterBytes, base, baseNoSync);
            }
            System.out.println();
            System.out.printf(Locale.ROOT, "Kopi refresh benchmark: pgbench scale %d (%.2f GB in the cluster), best of %d "
                    + "runs, %d clones per snapshot, %d cores, %s%n%n", scale, clusterBytes / 1e9, runs, clones,
                    Runtime.getRuntime().availableProcessors(), Sh.ok("uname", "-r").strip());
            System.out.println("| measure | time | vs plain pg_basebackup | notes |");
            System.out.println("|---|---|---|---|");
            rows.forEach(r -> System.out.println("| " + String.join(" | ", r) + " |"));
            System.out.println();
            notes.forEach(System.out::println);
        } finally {
            if (prod != null) {
                prod.close();
            }
            Reaper.reap(srcRun.path, srcRun.zpoolName());
            srcRun.delete();
        }
    }

    private void kopi(String backend, SourceCluster prod, long clusterBytes, double base, double baseNoSync)
            throws Exception {
        RunDir run = RunDir.create();
        long poolBytes = Math.max(6L << 30, clusterBytes * 6);
        Pool pool = backend.equals("btrfs") ? new BtrfsPool(run, (poolBytes >> 20) + "M", "auto")
                : new ZfsPool(run, poolBytes);
        int first = 30000 + ThreadLocalRandom.current().nextInt(0, 300) * 100;
        Kopid kopid = null;
        try {
            kopid = new Kopid(run, pool, first, first + clones + 10).start();
            kopid.sources().addSource(AddSourceRequest.newBuilder().setName("bb")
                    .setBasebackup(prod.conninfo("kopi", SECRET, null))
                    .setSettings(SourceSettings.newBuilder().setKeep(1)).build());
            List<Double> onPool = new ArrayList<>();
            List<Double> onPoolSynced = new ArrayList<>();
            List<Double> bb = new ArrayList<>();
            double[] copy = new double[1];
            for (int i = 0; i < runs; i++) {
                for (boolean noSync : new boolean[] {true, false}) {
                    Path dir = pool.createExternalVolume("plain" + i + (noSync ? "n" : "s"));
                    (noSync ? onPool : onPoolSynced).add(basebackup(dir, prod, noSync));
                    // the volume itself stays (a mountpoint on ZFS)
                    Sh.ok("find", dir.toString(), "-mindepth", "1", "-delete");
                }
                double r = refresh(kopid, backend, "bb");
                if (bb.isEmpty() || r < min(bb)) {
                    copy[0] = lastCopySeconds;
                }
                bb.add(r);
            }
            double best = min(bb);
            double poolBase = min(onPool);
            double poolSynced = min(onPoolSynced);
            rows.add(new String[] {"pg_basebackup --no-sync into a directory on the " + backend + " pool", sec(poolBase),
                    ratio(base, poolBase), "same storage as Kopi; data not yet on disk when it returns"});
            rows.add(new String[] {"pg_basebackup (fsync, its default) into a directory on the " + backend + " pool",
                    sec(poolSynced), ratio(base, poolSynced), "same storage as Kopi, data on disk: the like-for-like "
                    + "baseline"});
            rows.add(new String[] {"Kopi basebackup refresh on " + backend + " (copy, recover, verify, seal, publish)",
                    sec(best), ratio(base, best), String.format(Locale.ROOT, "**%+.0f%% vs the same copy, fsynced, on the "
                    + "pool**; %+.0f%% vs --no-sync on the pool; %+.0f%% vs host default; copy %.1f s, the rest %.1f s",
                    (best / poolSynced - 1) * 100, (best / poolBase - 1) * 100, (best / base - 1) * 100, copy[0],
                    best - copy[0])});
            rows.add(new String[] {"clone on a basebackup snapshot, " + backend + " (p50 request -> first query)",
                    ms(clones(kopid, "bb")), "", ""});

            if (!kinds.contains("dump")) {
                seed(kopid, run, backend, base);
                return;
            }
            kopid.sources().addSource(AddSourceRequest.newBuilder().setName("dp")
                    .setDump(prod.conninfo("kopi", SECRET, "bench"))
                    .setSettings(SourceSettings.newBuilder().setJobs(2)).build());
            double dump = refresh(kopid, backend, "dp");
            rows.add(new String[] {"Kopi dump refresh on " + backend + " (pg_dump -Fd -j2, pg_restore -j2)", sec(dump),
                    ratio(base, dump), "logical: rebuilds indexes"});
            rows.add(new String[] {"clone on a dump snapshot, " + backend, ms(clones(kopid, "dp")), "", ""});
            seed(kopid, run, backend, base);
        } finally {
            if (kopid != null) {
                kopid.close();
            }
            pool.close();
            Reaper.reap(run.path, run.zpoolName());
            run.delete();
        }
    }

    private void seed(Kopid kopid, RunDir run, String backend, double base) throws Exception {
        if (!kinds.contains("seed")) {
            return;
        }
        {
            Path seed = run.resolve("seed.sql");
            Files.writeString(seed, "CREATE TABLE pgbench_branches (bid int PRIMARY KEY, bbalance int, filler text);\n"
                    + "INSERT INTO pgbench_branches SELECT g, 0, '' FROM generate_series(1, 1000) g;\n");
            kopid.sources().addSource(AddSourceRequest.newBuilder().setName("sd").addSeed(seed.toString()).build());
            double seedSecs = refresh(kopid, backend, "sd");
            rows.add(new String[] {"Kopi seed refresh on " + backend + " (initdb, one script)", sec(seedSecs), "", ""});
            long t = System.nanoTime();
            kopid.sources().refresh(RefreshRequest.newBuilder().setName("sd").build()).forEachRemaining(e -> { });
            rows.add(new String[] {"same seed again, unchanged (no-op)", ms(CloneBench.secs(t) * 1000), "", ""});
            rows.add(new String[] {"clone on a seed snapshot, " + backend, ms(clones(kopid, "sd")), "", ""});
        }
    }

    /** Seconds the last refresh spent filling its staging volume (until the "prepare" phase). */
    private double lastCopySeconds;

    private double refresh(Kopid kopid, String backend, String source) {
        long t = System.nanoTime();
        lastCopySeconds = 0;
        kopid.sources().refresh(RefreshRequest.newBuilder().setName(source).build()).forEachRemaining(e -> {
            if (e.getPhase().equals("prepare") && lastCopySeconds == 0) {
                lastCopySeconds = CloneBench.secs(t);
            }
        });
        double s = CloneBench.secs(t);
        log(String.format(Locale.ROOT, "%s: refresh of %s %.1f s (filling the staging volume %.1f s)", backend, source,
                s, lastCopySeconds));
        return s;
    }

    /** p50 of request to first query answered over a new JDBC connection, in ms (after 3 warm-ups). */
    private double clones(Kopid kopid, String snapshot) throws Exception {
        List<Double> ms = new ArrayList<>();
        for (int i = -3; i < clones; i++) {
            long t = System.nanoTime();
            Clone c = kopid.clones().createClone(CreateCloneRequest.newBuilder().setSnapshot(snapshot)
                    .setName("b" + (i + 3)).build());
            try (Connection conn = DriverManager.getConnection(c.getJdbcUrl()); Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM pgbench_branches")) {
                rs.next();
            }
            if (i >= 0) {
                ms.add((System.nanoTime() - t) / 1e6);
            }
        }
        for (int i = 0; i < clones + 3; i++) {
            kopid.clones().destroyClone(DestroyCloneRequest.newBuilder().setName("b" + i).build());
        }
        return new CloneBench.Series("", ms).p(0.5);
    }

    /** Plain pg_basebackup as the postgres user into a fresh directory on the host's disk, in seconds. */
    private double basebackup(RunDir run, String name, SourceCluster prod, boolean noSync) throws Exception {
        Path dir = run.postgresDir("plain-" + name); // empty and the postgres user's: pg_basebackup fills it
        double s = basebackup(dir, prod, noSync);
        Sh.ok("rm", "-rf", dir.toString());
        return s;
    }

    private double basebackup(Path dir, SourceCluster prod, boolean noSync) throws Exception {
        List<String> argv = new ArrayList<>(List.of(PGBIN + "pg_basebackup", "-D", dir.toString(), "-X", "stream",
                "-c", "fast", "-h", "127.0.0.1", "-p", Integer.toString(prod.port()), "-U", "kopi", "-w"));
        if (noSync) {
            argv.add("--no-sync");
        }
        long t = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(Sh.asPostgres(argv.toArray(String[]::new))).inheritIO();
        pb.environment().put("PGPASSWORD", SECRET);
        if (pb.start().waitFor() != 0) {
            throw new IllegalStateException("pg_basebackup failed");
        }
        double s = CloneBench.secs(t);
        log(String.format(Locale.ROOT, "plain pg_basebackup%s into %s: %.1f s", noSync ? " --no-sync" : "", dir, s));
        return s;
    }

    private static double min(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

    private static String sec(double s) {
        return String.format(Locale.ROOT, "%.1f s", s);
    }

    private static String ms(double ms) {
        return CloneBench.fmt(ms) + " ms";
    }

    private static String ratio(double baseline, double value) {
        return String.format(Locale.ROOT, "%.2fx", value / baseline);
    }

    private void log(String line) {
        System.err.println("bench: " + line);
        notes.add("- " + line);
    }
}
