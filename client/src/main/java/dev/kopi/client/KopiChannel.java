package dev.kopi.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.AbstractStub;

/**
 * A gRPC channel to kopid: its Unix socket ({@code $KOPI_SOCKET}, else
 * {@code /run/kopi/kopi.sock}) or its TCP API over TLS with a token ({@link KopiTarget}); how
 * the channel is built, and the deadline of calls. The one
 * place for these: {@link KopiClient} and kopictl both connect through it. Most code wants
 * {@link KopiClient}; this is for callers that use the generated stubs of {@code kopi.proto}.
 *
 * <pre>{@code
 * try (KopiChannel kopid = KopiChannel.open(KopiChannel.defaultSocket())) {
 *     Status s = KopiChannel.withDeadline(StatusServiceGrpc.newBlockingStub(kopid.channel()))
 *             .getStatus(GetStatusRequest.getDefaultInstance());
 * }
 * }</pre>
 */
public final class KopiChannel implements AutoCloseable {
    /** The environment variable naming kopid's socket. */
    public static final String SOCKET_ENV = "KOPI_SOCKET";
    /** Where kopid listens unless told otherwise. */
    public static final Path DEFAULT_SOCKET = Path.of("/run/kopi/kopi.sock");
    /**
     * The deadline of a call, in minutes: generous (a clone of a big snapshot still starts in
     * seconds, a snapshot of a clone may take minutes), but a hung kopid must not hang its callers
     * forever. Streams that last as long as their work (a refresh, watching events) go without.
     */
    public static final long DEADLINE_MINUTES = 10;

    private final KopiTarget target;
    private final ManagedChannel channel;
    private final EventLoopGroup group;

    private KopiChannel(KopiTarget target, ManagedChannel channel, EventLoopGroup group) {
        this.target = target;
        this.channel = channel;
        this.group = group;
    }

    /**
     * Opens a channel to {@code target}. For the TCP API: TLS that verifies kopid's certificate
     * (against {@link KopiTarget#ca()}, else the system's CAs) and the token on every call;
     * a CA file that cannot be read is refused at once.
     */
    public static KopiChannel open(KopiTarget target, String howToChooseAnother) {
        if (!target.remote()) {
            return open(target.socketPath(), howToChooseAnother);
        }
        ChannelCredentials tls;
        try {
            tls = target.ca() == null ? TlsChannelCredentials.create()
                    : TlsChannelCredentials.newBuilder().trustManager(target.ca().toFile()).build();
        } catch (IOException | IllegalArgumentException e) {
            throw new KopiClientException(KopiClientException.Kind.INVALID_ARGUMENT, "cannot use " + target.ca()
                    + " as the CA of kopid at " + target.host() + ": " + e.getMessage(), e);
        }
        ManagedChannel channel = NettyChannelBuilder.forTarget(target.host(),
                CompositeChannelCredentials.create(tls, new BearerToken(target.token()))).build();
        return new KopiChannel(target, channel, null);
    }

    /** {@code $KOPI_SOCKET} when set and not blank, else {@link #DEFAULT_SOCKET}. */
    public static Path defaultSocket() {
        return defaultSocket(System.getenv(SOCKET_ENV));
    }

    /**
     * The socket named by a value of {@code $KOPI_SOCKET} (null when unset): the value without
     * surrounding blanks, or {@link #DEFAULT_SOCKET} when it is null or blank.
     */
    public static Path defaultSocket(String env) {
        return env == null || env.isBlank() ? DEFAULT_SOCKET : Path.of(env.strip());
    }

    /**
     * Opens a channel to kopid at {@code socket}. The connection is made lazily; a socket file
     * that does not exist is refused at once with an {@link KopiClientException.Kind#UNAVAILABLE}
     * error that says to set {@code $KOPI_SOCKET} for another socket.
     */
    public static KopiChannel open(Path socket) {
        return open(socket, "set $" + SOCKET_ENV + " to use another socket");
    }

    /**
     * Like {@link #open(Path)}; {@code howToChooseAnother} ends the error about a socket that does
     * not exist, telling the user how to name another (kopictl: "use --socket or $KOPI_SOCKET").
     */
    public static KopiChannel open(Path socket, String howToChooseAnother) {
        Objects.requireNonNull(socket, "socket");
        KopiTarget target = KopiTarget.socket(socket);
        if (!Files.exists(socket)) {
            throw new KopiClientException(KopiClientException.Kind.UNAVAILABLE, "cannot reach kopid: " + socket
                    + " does not exist (is kopid running? " + howToChooseAnother + ")", null);
        }
        if (!Epoll.isAvailable()) {
            throw new KopiClientException(KopiClientException.Kind.UNAVAILABLE, "cannot reach kopid at " + socket
                    + ": Unix sockets need Linux epoll, which is not available here: "
                    + Epoll.unavailabilityCause(), Epoll.unavailabilityCause());
        }
        // Daemon threads: a client that is never closed must not keep the JVM alive.
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("kopi-client", true),
                EpollIoHandler.newFactory());
        try {
            ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .channelType(EpollDomainSocketChannel.class)
                    .eventLoopGroup(group)
                    // grpc sets SO_KEEPALIVE, which Unix sockets lack: Netty would warn on every connection
                    .withOption(ChannelOption.SO_KEEPALIVE, null)
                    .usePlaintext()
                    .build();
            return new KopiChannel(target, channel, group);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** {@code stub} with the deadline of a call ({@link #DEADLINE_MINUTES} from now). */
    public static <S extends AbstractStub<S>> S withDeadline(S stub) {
        return stub.withDeadlineAfter(DEADLINE_MINUTES, TimeUnit.MINUTES);
    }

    /** The channel, for the generated stubs. */
    public Channel channel() {
        return channel;
    }

    /** Where this channel connects. */
    public KopiTarget target() {
        return target;
    }

    /** Shuts the channel down at once (calls in flight fail) and frees its thread. */
    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (group != null) {
                group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public String toString() {
        return "KopiChannel[" + target + "]";
    }
}
