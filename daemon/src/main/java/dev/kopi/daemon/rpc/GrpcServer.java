package dev.kopi.daemon.rpc;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.sys.Posix;

/**
 * The gRPC server on a Unix socket: mode 0660 (root and the configured group), never
 * world-writable. Calls run on a bounded executor.
 */
public final class GrpcServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(GrpcServer.class.getName());
    private static final int THREADS = 64;
    private static final int QUEUE = 1024;

    private final Path socket;
    private final Server server;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService executor;

    private GrpcServer(Path socket, Server server, EventLoopGroup boss, EventLoopGroup workers, ExecutorService executor) {
        this.socket = socket;
        this.server = server;
        this.boss = boss;
        this.workers = workers;
        this.executor = executor;
    }

    public static GrpcServer start(Path socket, String group, List<BindableService> services) throws IOException {
        return start(socket, group, services, List.of());
    }

    /**
     * Serves {@code services} with {@code interceptors} around every call (request ids, metrics),
     * run in the order given: the first sees a call first.
     */
    public static GrpcServer start(Path socket, String group, List<BindableService> services,
                                   List<ServerInterceptor> interceptors) throws IOException {
        if (!Files.exists(socket.getParent())) {
            Files.createDirectories(socket.getParent());
            // kopid's umask makes it 0700; the socket's group must be able to reach the socket.
            Posix.chmod(socket.getParent(), 0755);
        }
        if (Files.exists(socket)) {
            if (answers(socket)) {
                throw KopiException.precondition("another kopid is already serving " + socket);
            }
            Files.delete(socket); // stale, from a kopid that was killed
        }
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(QUEUE), r -> {
                    Thread t = new Thread(r, "kopid-rpc-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        EventLoopGroup boss = new EpollEventLoopGroup(1);
        EventLoopGroup workers = new EpollEventLoopGroup(2);
        NettyServerBuilder b = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .executor(executor);
        services.forEach(b::addService);
        // The builder runs interceptors in reverse order of registration.
        for (int i = interceptors.size() - 1; i >= 0; i--) {
            b.intercept(interceptors.get(i));
        }
        Server server = b.build().start();
        // kopid runs with umask 077, so the socket was born 0700; open it to the group only.
        Posix.chmod(socket, 0660);
        if (group != null) {
            PosixFileAttributeView view = Files.getFileAttributeView(socket, PosixFileAttributeView.class);
            GroupPrincipal g = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
            view.setGroup(g);
        }
        LOG.info("serving kopi.v1 on " + socket);
        return new GrpcServer(socket, server, boss, workers, executor);
    }

    private static boolean answers(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public void close() {
        // Stop taking new calls and let running ones finish...
        server.shutdown();
        try {
            // ...but not forever: a refresh can take long, and it cleans up after itself anyway.
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.fine("could not remove " + socket);
        }
    }
}
