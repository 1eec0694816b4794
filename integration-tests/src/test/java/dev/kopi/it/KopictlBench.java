package dev.kopi.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import dev.kopi.proto.v1.CreateCloneRequest;

/**
 * The kopictl start-up benchmark (run by {@code scripts/bench kopictl}, not by the test suite): the
 * wall time of whole kopictl processes against a real kopid (embedded Btrfs pool, three clones of
 * a small source), for {@code clones} (a listing) and {@code --version} (no call), each way in the
 * same run, rounds interleaved: {@code java -jar kopictl.jar} (before), the package's launcher
 * without its class-data archive (its JVM flags alone), and the package's launcher as installed,
 * with the archive its postinst makes (after). The package is staged by
 * {@code scripts/package --no-build}. Beside them, the floors of any kopictl on this client stack
 * ({@link StartupFloor}): an empty JVM, and one that makes only the call. BENCH_RUNS rounds
 * (default 25). Prints a Markdown table.
 */
public final class KopictlBench {
    private static final List<List<String>> COMMANDS = List.of(List.of("clones"), List.of("--version"));
    private static final String BEFORE = "java -jar kopictl.jar";
    private static final String FLOOR_CALL = "floor: JVM + kopi-client channel + the call, no CLI";
    private static final String FLOOR_JVM = "floor: empty JVM";
    /** The launcher's JVM flags (packaging/kopictl), for the floors. */
    private static final List<String> FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-XX:-UsePerfData", "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0", "-Xlog:disable",
            "-Dio.grpc.netty.shaded.io.netty.jfr.enabled=false", "-Dio.grpc.netty.shaded.io.netty.allocator.type=unpooled");

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(System.getenv().getOrDefault("BENCH_RUNS", "25"));
        RunDir run = RunDir.create();
        SourceCluster demo = null;
        Pool pool = null;
        Kopid kopid = null;
        try {
            demo = SourceCluster.demo(run);
            pool = new BtrfsPool(run);
            int first = 61000 + ThreadLocalRandom.current().nextInt(0, 100) * 10;
            kopid = new Kopid(run, pool, first, first + 9).start();
            kopid.addDatadirSource("demo", demo.dataDir);
            for (String name : List.of("alice", "bob", "carol")) {
                kopid.clones().createClone(CreateCloneRequest.newBuilder().setSnapshot("demo").setName(name).build());
            }
            String[] packaged = Sh.ok(Kopid.repo().resolve("scripts/package").toString(), "--no-build", "--out",
                    run.resolve("deb").toString()).strip().split("\n");
            Path root = Path.of(packaged[packaged.length - 1]).resolveSibling("package/root");
            Path launcher = root.resolve("usr/bin/kopictl");
            Path jar = root.resolve("opt/kopi/kopictl.jar");
            // the launcher on a copy of the jar with no archive beside it: the JVM flags alone
            Path bare = run.resolve("bare/kopictl.jar");
            Sh.ok("mkdir", "-p", bare.getParent().toString());
            Sh.ok("cp", jar.toString(), bare.toString());
            Map<String, String> env = Map.of("KOPI_SOCKET", kopid.socket.toString(), "KOPICTL_JAR", jar.toString());
            time(List.of(launcher.toString(), "--make-class-archive"), env); // what postinst does
            List<String> floor = floor(run, jar, kopid.socket.toString());

            Map<String, Map<String, List<Double>>> ms = new LinkedHashMap<>(); // command -> way -> millis
            for (int round = 0; round < runs; round++) {
                for (List<String> command : COMMANDS) {
                    Map<String, List<Double>> ways = ms.computeIfAbsent(String.join(" ", command), c -> new LinkedHashMap<>());
                    add(ways, BEFORE, time(concat(List.of("java", "-jar", jar.toString()), command), env));
                    add(ways, "launcher, no archive", time(concat(List.of(launcher.toString()), command),
                            Map.of("KOPI_SOCKET", kopid.socket.toString(), "KOPICTL_JAR", bare.toString())));
                    add(ways, "packaged launcher", time(concat(List.of(launcher.toString()), command), env));
                    if (command.equals(List.of("clones"))) {
                        add(ways, FLOOR_CALL, time(concat(floor, List.of("call", kopid.socket.toString())), env));
                        add(ways, FLOOR_JVM, time(concat(floor, List.of("empty")), env));
                    }
                }
            }
            // the floor: the same listing in a warm JVM (in-process kopictl, a new channel each call)
            for (int i = 0; i < runs + 5; i++) {
                long t = System.nanoTime();
                kopid.cli("clones");
                if (i >= 5) {
                    add(ms.get("clones"), "in-process, warm JVM", (System.nanoTime() - t) / 1e6);
                }
            }
            print(ms, runs);
        } finally {
            Teardown.everything(run, kopid, pool, demo);
        }
    }

    /**
     * The argv of {@link StartupFloor} as its own JVM: kopictl's jar and a jar of the floor class,
     * kopictl's flags, and a class-data archive trained on its own run (made as the launcher makes
     * kopictl's), so that the floors start as kopictl does and differ only in what they run.
     */
    private static List<String> floor(RunDir run, Path kopictlJar, String socket) throws Exception {
        Path classes = Path.of(StartupFloor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path jar = run.resolve("floor/floor.jar");
        Sh.ok("mkdir", "-p", jar.getParent().toString());
        Sh.ok("jar", "cf", jar.toString(), "-C", classes.toString(), "dev/kopi/it/StartupFloor.class");
        String cp = kopictlJar + ":" + jar;
        Path list = run.resolve("floor/classes.txt");
        Path jsa = run.resolve("floor/floor.jsa");
        List<String> java = concat(List.of("java"), FLAGS);
        Sh.ok(concat(java, List.of("-XX:DumpLoadedClassList=" + list, "-cp", cp, StartupFloor.class.getName(), "call",
                socket)).toArray(String[]::new));
        Sh.ok(concat(java, List.of("-Xshare:dump", "-XX:SharedClassListFile=" + list, "-XX:SharedArchiveFile=" + jsa,
                "-cp", cp)).toArray(String[]::new));
        return concat(java, List.of("-XX:SharedArchiveFile=" + jsa, "-cp", cp, StartupFloor.class.getName()));
    }

    private static void print(Map<String, Map<String, List<Double>>> ms, int runs) {
        System.out.println();
        System.out.printf(Locale.ROOT, "kopictl wall time, %d runs each, interleaved, %d cores%n%n", runs,
                Runtime.getRuntime().availableProcessors());
        System.out.println("| kopictl | how | p50 ms | p90 ms | min ms | p50 vs java -jar |");
        System.out.println("|---|---|---|---|---|---|");
        ms.forEach((command, ways) -> ways.forEach((way, millis) -> System.out.printf(Locale.ROOT,
                "| %s | %s | %.0f | %.0f | %.0f | %s |%n", command, way, p(millis, 0.5), p(millis, 0.9), p(millis, 0),
                way.equals(BEFORE) ? "" : String.format(Locale.ROOT, "%.1fx faster", p(ways.get(BEFORE), 0.5)
                        / p(millis, 0.5)))));
    }

    private static double time(List<String> argv, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        long t = System.nanoTime();
        int code = pb.start().waitFor();
        double millis = (System.nanoTime() - t) / 1e6;
        if (code != 0) {
            throw new IllegalStateException(argv + " exited " + code);
        }
        return millis;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(b);
        return l;
    }

    private static void add(Map<String, List<Double>> ms, String key, double millis) {
        ms.computeIfAbsent(key, k -> new ArrayList<>()).add(millis);
    }

    private static double p(List<Double> values, double q) {
        List<Double> s = new ArrayList<>(values);
        Collections.sort(s);
        int i = (int) Math.ceil(q * s.size()) - 1;
        return s.get(Math.max(0, Math.min(s.size() - 1, i)));
    }
}
