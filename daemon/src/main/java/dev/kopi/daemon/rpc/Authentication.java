package dev.kopi.daemon.rpc;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Logger;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

import dev.kopi.daemon.auth.Caller;
import dev.kopi.daemon.auth.FailedAttempts;
import dev.kopi.daemon.auth.Tokens;
import dev.kopi.daemon.core.KopiException;

/**
 * Establishes the caller of every call, and refuses the call when there is none or its role
 * does not open the method ({@link Access}). On the Unix socket the caller is {@code unix:UID},
 * an admin; over TCP it is the bearer token's owner.
 */
public abstract class Authentication implements ServerInterceptor {
    private static final Logger LOG = Logger.getLogger(Authentication.class.getName());
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    /** The same words for a missing token and a wrong one: nothing that helps a guess. */
    static final String REFUSED = "a valid API token is required (kopictl reads $KOPI_TOKEN or --token-file)";

    private Authentication() {
    }

    /** Callers on the Unix socket: admins, named by their uid. */
    public static Authentication unixSocket() {
        return new Authentication() {
            @Override
            Caller identify(ServerCall<?, ?> call, Metadata headers) {
                Integer uid = call.getAttributes().get(UnixPeer.UID);
                return Caller.unix(uid == null ? -1 : uid);
            }
        };
    }

    /** Callers over TCP: whoever the bearer token names, with a limit on failed attempts per peer address. */
    public static Authentication bearer(Tokens tokens, FailedAttempts failures) {
        return new Authentication() {
            @Override
            Caller identify(ServerCall<?, ?> call, Metadata headers) {
                String peer = peer(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
                Duration wait = failures.wait(peer);
                if (!wait.isZero()) {
                    throw KopiException.unauthenticated(REFUSED + "; too many failed attempts from " + peer
                            + ", try again in " + Math.max(1, wait.toSeconds()) + "s");
                }
                Optional<Caller> caller = tokens.authenticate(bearer(headers.get(AUTHORIZATION)));
                if (caller.isEmpty()) {
                    failures.failed(peer);
                    LOG.warning("refused a call to " + call.getMethodDescriptor().getFullMethodName() + " from " + peer
                            + ": no valid token");
                    throw KopiException.unauthenticated(REFUSED);
                }
                return caller.get();
            }
        };
    }

    abstract Caller identify(ServerCall<?, ?> call, Metadata headers);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        Caller caller;
        try {
            caller = identify(call, headers);
            Access.requireMethod(caller, call.getMethodDescriptor().getFullMethodName());
        } catch (KopiException e) {
            call.close(Errors.toStatus(e).getStatus(), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return Contexts.interceptCall(Context.current().withValue(Access.CALLER, caller), call, headers, next);
    }

    /** The token of an "authorization: Bearer TOKEN" header; null when there is none. */
    static String bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).strip();
    }

    private static String peer(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return String.valueOf(address);
    }
}
