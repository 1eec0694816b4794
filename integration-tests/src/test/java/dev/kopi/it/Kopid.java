package dev.kopi.it;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;

import dev.kopi.cli.KopiCtl;
import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CloneServiceGrpc;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.proto.v1.EventServiceGrpc;
import dev.kopi.proto.v1.ListClonesRequest;
import dev.kopi.proto.v1.SchemaServiceGrpc;
import dev.kopi.proto.v1.SnapshotServiceGrpc;
import dev.kopi.proto.v1.SourceServiceGrpc;
import dev.kopi.proto.v1.StatusServiceGrpc;

/**
 * The real daemon, run from its packaged jar as a separate process (so it can be SIGKILLed),
 * with a config in the run directory; plus a gRPC channel and an in-process kopictl aimed at it.
 */
final class Kopid implements AutoCloseable {
    final RunDir run;
    final Path socket;
    final Path config;
    final Path state;
    final Path log;
    private final Path out;
    private Process process;
    private EventLoopGroup group;
    private ManagedChannel channel;

    Kopid(RunDir run, Pool pool, int portFirst, int portLast) {
        this(run, pool, portFirst, portLast, "");
    }

    /** {@code extraYaml}: more top-level config sections, e.g. a {@code clones:} block. */
    Kopid(RunDir run, Pool pool, int portFirst, int portLast, String extraYaml) {
        this(run, pool, portFirst, portLast, "", extraYaml);
    }

    /**
     * {@code postgresYaml}: more keys of the {@code postgres:} section, each line indented by two
     * spaces (e.g. {@code "  listen: 0.0.0.0\n"}); {@code extraYaml}: more top-level sections.
     */
    Kopid(RunDir run, Pool pool, int portFirst, int portLast, String postgresYaml, String extraYaml) {
        this.run = run;
        this.socket = run.resolve("kopi.sock");
        this.config = run.resolve("kopid.yaml");
        this.state = run.resolve("state");
        this.log = run.resolve("kopid.log");
        this.out = run.resolve("kopid.out");
        String yaml = "socket: " + socket + "\nstate: " + state + "\n" + pool.yaml()
                + "postgres:\n  ports: " + portFirst + "-" + portLast + "\n" + postgresYaml
                + "  settings:\n    fsync: 'off'\n" + extraYaml;
        try {
            Files.writeString(config, yaml);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A kopid on 20 clone ports picked at random, so test classes run one after another do not meet. */
    static Kopid onRandomPorts(RunDir run, Pool pool) {
        int portFirst = 20000 + ThreadLocalRandom.current().nextInt(0, 800) * 50;
        return new Kopid(run, pool, portFirst, portFirst + 19).start();
    }

    static Path repo() {
        return Path.of(System.getProperty("kopi.repo", "..")).toAbsolutePath().normalize();
    }

    Kopid start() {
        Path jar = repo().resolve("daemon/target/kopid.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build with mvn package first");
        }
        return start(List.of("java", "-Xmx256m", "-jar", jar.toString(), "--config", config.toString()));
    }

    /** Starts kopid as {@code command} (an installed unit's ExecStart), which must read a copy of {@link #config}. */
    Kopid start(List<String> command) {
        long readyBefore = readyLines();
        try {
            process = new ProcessBuilder(command)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        long deadline = System.currentTimeMillis() + 120_000;
        while (readyLines() <= readyBefore) {
            if (!process.isAlive()) {
                throw new IllegalStateException("kopid exited with " + process.exitValue() + ": " + tail());
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("kopid not ready in 120s: " + tail());
            }
            sleep(50);
        }
        return this;
    }

    private long readyLines() {
        try {
            return Files.readAllLines(out).stream().filter(l -> l.contains(" ready on ")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** SIGKILL: no shutdown hook runs, nothing is cleaned up. */
    void kill9() throws InterruptedException {
        closeChannel();
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM and wait. */
    void stop() throws InterruptedException {
        closeChannel();
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    synchronized ManagedChannel channel() {
        if (channel == null) {
            group = new EpollEventLoopGroup(1);
            channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext().build();
        }
        return channel;
    }

    private synchronized void closeChannel() {
        if (channel != null) {
            channel.shutdownNow();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            channel = null;
        }
    }

    CloneServiceGrpc.CloneServiceBlockingStub clones() {
        return CloneServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(2, TimeUnit.MINUTES);
    }

    SnapshotServiceGrpc.SnapshotServiceBlockingStub snapshots() {
        return SnapshotServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(2, TimeUnit.MINUTES);
    }

    SourceServiceGrpc.SourceServiceBlockingStub sources() {
        return SourceServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(10, TimeUnit.MINUTES);
    }

    EventServiceGrpc.EventServiceBlockingStub events() {
        return EventServiceGrpc.newBlockingStub(channel());
    }

    SchemaServiceGrpc.SchemaServiceBlockingStub schemas() {
        return SchemaServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(5, TimeUnit.MINUTES);
    }

    StatusServiceGrpc.StatusServiceBlockingStub status() {
        return StatusServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(1, TimeUnit.MINUTES);
    }

    /** What an in-process kopictl run printed. */
    record Cli(int code, String out, String err) {
    }

    /** Runs kopictl in this JVM (the same code as bin/kopictl) against this daemon. */
    Cli cli(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = KopiCtl.run(args, new PrintWriter(o), new PrintWriter(e), Map.of("KOPI_SOCKET", socket.toString()));
        return new Cli(code, o.toString(), e.toString());
    }

    /** Adds a data directory source through kopictl and refreshes it; returns the new snapshot's name. */
    String addDatadirSource(String name, Path dataDir) {
        Cli add = cli("source", "add", name, "--datadir", dataDir.toString());
        if (add.code() != 0) {
            throw new AssertionError("kopictl source add " + name + " failed: " + add.err());
        }
        Cli refresh = cli("refresh", name);
        if (refresh.code() != 0) {
            throw new AssertionError("kopictl refresh " + name + " failed: " + refresh.err());
        }
        return refresh.out().strip();
    }

    /** Destroys every clone; used in teardown, so it keeps going past errors. */
    void destroyAllClones() {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            for (Clone c : clones().listClones(ListClonesRequest.getDefaultInstance()).getClonesList()) {
                try {
                    clones().destroyClone(DestroyCloneRequest.newBuilder().setName(c.getName()).build());
                } catch (RuntimeException e) {
                    System.err.println("teardown: cannot destroy clone " + c.getName() + ": " + e.getMessage());
                }
            }
        } catch (RuntimeException e) {
            System.err.println("teardown: cannot list clones: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            destroyAllClones();
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
