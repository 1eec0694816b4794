package dev.kopi.daemon.metrics;

import java.util.concurrent.atomic.AtomicBoolean;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Counts every gRPC call kopid answers, by full method name ({@code kopi.v1.CloneService/CreateClone})
 * and final status code ({@code OK}, {@code NOT_FOUND}, ...): {@code kopi_api_requests_total}.
 * Labels come from the method descriptor and the status, never from what the caller sent, so
 * they stay few and hold no secret. A call the caller cancels counts as {@code CANCELLED}.
 */
public final class ApiRequests implements ServerInterceptor {
    private final Counter requests;

    public ApiRequests(PrometheusRegistry registry) {
        requests = Counter.builder().name("kopi_api_requests_total")
                .help("gRPC calls answered, by full method name and status code").labelNames("method", "code")
                .register(registry);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        AtomicBoolean counted = new AtomicBoolean();
        ServerCall<Q, R> counting = new SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                if (counted.compareAndSet(false, true)) {
                    requests.labelValues(method, status.getCode().name()).inc();
                }
                super.close(status, trailers);
            }
        };
        return new SimpleForwardingServerCallListener<>(next.startCall(counting, headers)) {
            @Override
            public void onCancel() {
                // The caller went away (or its deadline passed) before kopid answered.
                if (counted.compareAndSet(false, true)) {
                    requests.labelValues(method, Status.Code.CANCELLED.name()).inc();
                }
                super.onCancel();
            }
        };
    }
}
