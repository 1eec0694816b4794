package dev.kopi.daemon.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

/**
 * An in-process gRPC server with one unary method, {@code test.Echo/Say}, behind the given
 * interceptors: it answers its request, fails with NOT_FOUND for "missing", and remembers what
 * {@code probe} returned while it ran (e.g. the current request id).
 */
public final class EchoServer implements AutoCloseable {
    public static final MethodDescriptor<String, String> SAY = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Echo/Say")
            .setRequestMarshaller(new Text()).setResponseMarshaller(new Text()).build();

    private final Server server;
    private final ManagedChannel channel;
    public final AtomicReference<String> probed = new AtomicReference<>();

    public EchoServer(List<ServerInterceptor> interceptors, Supplier<String> probe) throws IOException {
        String name = InProcessServerBuilder.generateName();
        ServerServiceDefinition echo = ServerServiceDefinition.builder("test.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                    probed.set(probe.get());
                    if (req.equals("missing")) {
                        out.onError(Status.NOT_FOUND.withDescription("no such thing").asRuntimeException());
                    } else {
                        out.onNext(req);
                        out.onCompleted();
                    }
                })).build();
        InProcessServerBuilder b = InProcessServerBuilder.forName(name).addService(echo);
        for (int i = interceptors.size() - 1; i >= 0; i--) {
            b.intercept(interceptors.get(i));
        }
        server = b.build().start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    /** Calls Say with {@code request}, sending {@code headers}; the response headers land in {@code answered}. */
    public String say(String request, Metadata headers, AtomicReference<Metadata> answered) {
        return ClientCalls.blockingUnaryCall(ClientInterceptors.intercept(channel,
                MetadataUtils.newAttachHeadersInterceptor(headers),
                MetadataUtils.newCaptureMetadataInterceptor(answered, new AtomicReference<>())),
                SAY, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** UTF-8 strings on the wire. */
    private static final class Text implements MethodDescriptor.Marshaller<String> {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
