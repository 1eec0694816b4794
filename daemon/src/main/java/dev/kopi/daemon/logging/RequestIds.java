package dev.kopi.daemon.logging;

import java.security.SecureRandom;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Gives every gRPC call a request id, so the log lines of one request can be found together:
 * the caller's {@code x-request-id} header when it sends a sane one, else a fresh one. The id is
 * sent back in the response headers and is current (see {@link #current()}) on the thread while
 * kopid works on the call, where {@link LogFields} and the JSON log format pick it up.
 */
public final class RequestIds implements ServerInterceptor {
    /** The header a caller may set and kopid answers with. */
    public static final Metadata.Key<String> HEADER = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    /** A caller's id is logged as is, so only ids that cannot forge a log line are taken. */
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final String ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    /** The id of the call this thread is working on, or null. */
    public static String current() {
        return CURRENT.get();
    }

    /** Runs {@code work} with {@code id} as the current request id (restoring the previous one). */
    static void with(String id, Runnable work) {
        within(id, () -> {
            work.run();
            return null;
        });
    }

    private static <T> T within(String id, Supplier<T> work) {
        String before = CURRENT.get();
        CURRENT.set(id);
        try {
            return work.get();
        } finally {
            if (before == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(before);
            }
        }
    }

    static String fresh() {
        StringBuilder b = new StringBuilder(12);
        for (int i = 0; i < 12; i++) {
            b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        String asked = headers.get(HEADER);
        String id = asked != null && SANE.matcher(asked).matches() ? asked : fresh();
        ServerCall<Q, R> answering = new SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
                responseHeaders.put(HEADER, id);
                super.sendHeaders(responseHeaders);
            }
        };
        ServerCall.Listener<Q> listener = within(id, () -> next.startCall(answering, headers));
        // Each callback may run on another executor thread: make the id current for each.
        return new SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(Q message) {
                with(id, () -> super.onMessage(message));
            }

            @Override
            public void onHalfClose() {
                with(id, super::onHalfClose);
            }

            @Override
            public void onCancel() {
                with(id, super::onCancel);
            }

            @Override
            public void onComplete() {
                with(id, super::onComplete);
            }

            @Override
            public void onReady() {
                with(id, super::onReady);
            }
        };
    }
}
