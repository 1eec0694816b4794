package dev.kopi.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;

import dev.kopi.client.KopiChannel;
import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CloneServiceGrpc;
import dev.kopi.proto.v1.CloneState;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.proto.v1.DestroyCloneResponse;
import dev.kopi.proto.v1.GetCloneRequest;
import dev.kopi.proto.v1.GetStatusRequest;
import dev.kopi.proto.v1.ListClonesRequest;
import dev.kopi.proto.v1.ListClonesResponse;
import dev.kopi.proto.v1.ListSnapshotsRequest;
import dev.kopi.proto.v1.ListSnapshotsResponse;
import dev.kopi.proto.v1.Snapshot;
import dev.kopi.proto.v1.SnapshotServiceGrpc;
import dev.kopi.proto.v1.Status;
import dev.kopi.proto.v1.StatusServiceGrpc;

/**
 * The training run of kopictl's class-data archive (AppCDS). A JVM started with
 * {@code -XX:ArchiveClassesAtExit=FILE -cp kopictl.jar dev.kopi.cli.ArchiveTraining} serves a
 * stand-in kopid on a temporary Unix socket and runs the commonest kopictl commands against it,
 * so the archive it writes at exit holds the classes those commands load, already parsed and
 * verified. Needs no kopid: the package's postinst and {@code bin/kopictl} make the archive with
 * it. The answers are samples; what is printed goes nowhere.
 */
public final class ArchiveTraining {
    private static final List<List<String>> COMMANDS = List.of(
            List.of("clones"), List.of("clones", "-o", "json"), List.of("clone", "demo"), List.of("url", "demo-1"),
            List.of("destroy", "demo-1"), List.of("snapshots"), List.of("status"), List.of("--version"),
            List.of("--help"), List.of("clone", "--help"));

    private ArchiveTraining() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        for (String failed : train()) {
            // The archive is still made, with fewer classes in it: kopictl starts slower, no worse.
            System.err.println("kopictl training: '" + failed + "' failed");
        }
    }

    /** Runs the commands against the stand-in; returns those that failed (none, unless kopictl changed). */
    static List<String> train() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("kopictl-training");
        Path socket = dir.resolve("kopi.sock");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Server server = null;
        List<String> failed = new ArrayList<>();
        try {
            server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(group)
                    .workerEventLoopGroup(group)
                    .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                    .addService(new Clones()).addService(new Snapshots()).addService(new Statuses())
                    .build().start();
            PrintWriter sink = new PrintWriter(Writer.nullWriter());
            for (List<String> command : COMMANDS) {
                if (KopiCtl.run(command.toArray(String[]::new), sink, sink,
                        Map.of(KopiChannel.SOCKET_ENV, socket.toString())) != 0) {
                    failed.add(String.join(" ", command));
                }
            }
        } finally {
            if (server != null) {
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
        return failed;
    }

    private static Clone sample(String name) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return Clone.newBuilder().setName(name).setSnapshot("demo@20260101T000000Z").setHost("127.0.0.1")
                .setPort(6500).setUser("kopi_training").setPassword("training").setDatabase("app")
                .setUri("postgresql://kopi_training:training@127.0.0.1:6500/app")
                .setJdbcUrl("jdbc:postgresql://127.0.0.1:6500/app?user=kopi_training&password=training")
                .setState(CloneState.CLONE_STATE_RUNNING).setCreatedAt(now.toString())
                .setExpiresAt(now.plus(2, ChronoUnit.HOURS).toString()).setIdleTimeoutSeconds(7200)
                .setLastActiveAt(now.toString()).setUsedBytes(1 << 20).build();
    }

    private static <T> void answer(StreamObserver<T> observer, T value) {
        observer.onNext(value);
        observer.onCompleted();
    }

    private static final class Clones extends CloneServiceGrpc.CloneServiceImplBase {
        @Override
        public void createClone(CreateCloneRequest request, StreamObserver<Clone> observer) {
            answer(observer, sample("demo-1").toBuilder().setReadyMs(40).build());
        }

        @Override
        public void getClone(GetCloneRequest request, StreamObserver<Clone> observer) {
            answer(observer, sample(request.getName()));
        }

        @Override
        public void listClones(ListClonesRequest request, StreamObserver<ListClonesResponse> observer) {
            answer(observer, ListClonesResponse.newBuilder().addClones(sample("alice")).addClones(sample("bob")).build());
        }

        @Override
        public void destroyClone(DestroyCloneRequest request, StreamObserver<DestroyCloneResponse> observer) {
            answer(observer, DestroyCloneResponse.newBuilder().setName(request.getName()).build());
        }
    }

    private static final class Snapshots extends SnapshotServiceGrpc.SnapshotServiceImplBase {
        @Override
        public void listSnapshots(ListSnapshotsRequest request, StreamObserver<ListSnapshotsResponse> observer) {
            answer(observer, ListSnapshotsResponse.newBuilder().addSnapshots(Snapshot.newBuilder()
                    .setName("demo@20260101T000000Z").setSource("demo").build()).build());
        }
    }

    private static final class Statuses extends StatusServiceGrpc.StatusServiceImplBase {
        @Override
        public void getStatus(GetStatusRequest request, StreamObserver<Status> observer) {
            answer(observer, Status.newBuilder().setVersion("training").setBackend("btrfs").setPool("/var/lib/kopi/pool")
                    .build());
        }
    }
}
