package dev.kopi.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import dev.kopi.proto.v1.CloneServiceGrpc;
import dev.kopi.proto.v1.EventServiceGrpc;
import dev.kopi.proto.v1.SnapshotServiceGrpc;
import dev.kopi.proto.v1.SourceServiceGrpc;
import dev.kopi.proto.v1.StatusServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;

/** A gRPC channel to kopid's Unix socket, and the stubs on it. */
final class Connection implements AutoCloseable {
    private final EventLoopGroup group;
    private final ManagedChannel channel;

    Connection(Path socket) {
        if (!Files.exists(socket)) {
            throw new CliException("cannot reach kopid: " + socket + " does not exist (is kopid running? "
                    + "use --socket or $KOPI_SOCKET)");
        }
        this.group = new EpollEventLoopGroup(1);
        this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(group)
                .usePlaintext()
                .build();
    }

    /** Generous, but a kopid that hangs must not hang its callers forever. */
    private static final long DEADLINE_MINUTES = 10;

    CloneServiceGrpc.CloneServiceBlockingStub clones() {
        return CloneServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_MINUTES, TimeUnit.MINUTES);
    }

    SnapshotServiceGrpc.SnapshotServiceBlockingStub snapshots() {
        return SnapshotServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_MINUTES, TimeUnit.MINUTES);
    }

    /** No deadline: a refresh of a large source takes as long as it takes, and streams progress. */
    SourceServiceGrpc.SourceServiceBlockingStub sources() {
        return SourceServiceGrpc.newBlockingStub(channel);
    }

    StatusServiceGrpc.StatusServiceBlockingStub status() {
        return StatusServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_MINUTES, TimeUnit.MINUTES);
    }

    /** No deadline: watching events is meant to run until kopid ends the stream or the user stops it. */
    EventServiceGrpc.EventServiceBlockingStub events() {
        return EventServiceGrpc.newBlockingStub(channel);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
}
