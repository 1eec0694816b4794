package dev.kopi.daemon.rpc;

import io.grpc.Attributes;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.util.AsciiString;

/**
 * Plaintext on the Unix socket, plus the peer's uid (SO_PEERCRED) as a transport attribute, so
 * a clone made over the socket records {@code unix:UID} as its owner. grpc-java has no public
 * way to reach the connection's channel; this wraps its own plaintext negotiation (an
 * {@code Internal} API of grpc-netty) and adds the attribute as the negotiation passes by.
 */
final class UnixPeer {
    /** The peer's uid; absent when it could not be read. */
    static final Attributes.Key<Integer> UID = Attributes.Key.create("kopi.unix-peer-uid");

    private UnixPeer() {
    }

    static ServerCredentials credentials() {
        return InternalNettyServerCredentials.create(new Negotiator(InternalProtocolNegotiators.serverPlaintext()));
    }

    private static final class Negotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
        private final InternalProtocolNegotiator.ProtocolNegotiator plain;

        Negotiator(InternalProtocolNegotiator.ProtocolNegotiator plain) {
            this.plain = plain;
        }

        @Override
        public AsciiString scheme() {
            return plain.scheme();
        }

        @Override
        public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpc) {
            return new PeerCredentials(plain.newHandler(grpc));
        }

        @Override
        public void close() {
            plain.close();
        }
    }

    /** Sits before the plaintext handler until the negotiation event passes, then leaves. */
    private static final class PeerCredentials extends ChannelInboundHandlerAdapter {
        private final ChannelHandler next;

        PeerCredentials(ChannelHandler next) {
            this.next = next;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.pipeline().addAfter(ctx.name(), null, next);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (!(evt instanceof ProtocolNegotiationEvent pne)) {
                super.userEventTriggered(ctx, evt);
                return;
            }
            Attributes.Builder attrs = InternalProtocolNegotiationEvent.getAttributes(pne).toBuilder();
            if (ctx.channel() instanceof EpollDomainSocketChannel unix) {
                attrs.set(UID, unix.peerCredentials().uid());
            }
            ctx.pipeline().remove(this);
            ctx.fireUserEventTriggered(InternalProtocolNegotiationEvent.withAttributes(pne, attrs.build()));
        }
    }
}
