package dev.kopi.daemon.rpc;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.tls.Issued;
import dev.kopi.sys.Posix;

/**
 * A gRPC server: on the Unix socket, mode 0660 (root and the configured group), never
 * world-writable; or on TCP, always TLS. Every call passes an {@link Authentication} first.
 * Calls run on a bounded executor.
 */
public final class GrpcServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(GrpcServer.class.getName());
    private static final int THREADS = 64;
    private static final int QUEUE = 1024;

    /** The Unix socket, removed on close; null for TCP. */
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

    /**
     * Serves {@code services} on the Unix socket {@code socket}, to root and {@code group};
     * {@code interceptors} run in order around every call, before the caller is established.
     */
    public static GrpcServer unix(Path socket, String group, List<BindableService> services,
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
        ExecutorService executor = executor("kopid-rpc-");
        EventLoopGroup boss = new EpollEventLoopGroup(1);
        EventLoopGroup workers = new EpollEventLoopGroup(2);
        NettyServerBuilder b = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()),
                        UnixPeer.credentials())
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .executor(executor);
        add(b, services, Authentication.unixSocket(), interceptors);
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

    /**
     * Serves {@code services} over TCP on {@code api}'s address, TLS with {@code identity}'s
     * certificate; every call needs a bearer token that {@code authentication} accepts.
     */
    public static GrpcServer tcp(ApiConfig api, Issued identity, Authentication authentication,
                                 List<BindableService> services, List<ServerInterceptor> interceptors) {
        ServerCredentials tls;
        try {
            tls = TlsServerCredentials.newBuilder().keyManager(stream(identity.chainPem()), stream(identity.keyPem()))
                    .build();
        } catch (IOException e) {
            throw KopiException.invalid("the API's certificate or key is not usable: " + e.getMessage());
        }
        ExecutorService executor = executor("kopid-api-");
        EventLoopGroup boss = new EpollEventLoopGroup(1);
        EventLoopGroup workers = new EpollEventLoopGroup(2);
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(api.host(), api.port()), tls)
                .channelType(EpollServerSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .executor(executor)
                // A client that opens connections and says nothing must not hold them forever.
                .maxConnectionIdle(1, TimeUnit.HOURS)
                .permitKeepAliveTime(30, TimeUnit.SECONDS);
        add(b, services, authentication, interceptors);
        try {
            Server server = b.build().start();
            LOG.info("serving kopi.v1 over TLS on " + api.listen());
            return new GrpcServer(null, server, boss, workers, executor);
        } catch (IOException e) {
            executor.shutdownNow();
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw KopiException.unavailable("cannot listen on api.listen " + api.listen() + ": " + e.getMessage());
        }
    }

    /**
     * Around every service: {@code interceptors} in order, then {@code authentication} (so they
     * see refused calls too, e.g. to count them).
     */
    private static void add(NettyServerBuilder b, List<BindableService> services, Authentication authentication,
                            List<ServerInterceptor> interceptors) {
        // ServerInterceptors.intercept runs the last one given first.
        List<ServerInterceptor> chain = new ArrayList<>();
        chain.add(authentication);
        List<ServerInterceptor> outer = new ArrayList<>(interceptors);
        Collections.reverse(outer);
        chain.addAll(outer);
        services.forEach(s -> b.addService(ServerInterceptors.intercept(s, chain)));
    }

    private static ExecutorService executor(String prefix) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(QUEUE), r -> {
                    Thread t = new Thread(r, prefix + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    private static ByteArrayInputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
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
        if (socket == null) {
            return;
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.fine("could not remove " + socket);
        }
    }
}
