package dev.kopi.daemon.metrics;

import java.net.InetSocketAddress;

import io.grpc.ServerInterceptor;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import dev.kopi.daemon.core.Events;

/**
 * kopid's Prometheus metrics in one registry of their own (not the library's global one, so
 * tests and a second instance do not share counters): what happened ({@link EventMetrics}), how
 * things are ({@link StateGauges}) and the API's calls ({@link ApiRequests}), served with the
 * health check by {@link MetricsServer}.
 */
public final class Metrics implements AutoCloseable {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final EventMetrics happened;
    private final ApiRequests api;
    private MetricsServer server;

    public Metrics(Events events, StateGauges.Parts parts) {
        happened = new EventMetrics(registry, events);
        new StateGauges(registry, parts);
        api = new ApiRequests(registry);
    }

    /** Serves /metrics and /healthz on {@code listen} until closed. */
    public Metrics serve(InetSocketAddress listen, Health health) {
        server = MetricsServer.start(listen, registry, health);
        return this;
    }

    /** The interceptor the gRPC server counts its calls with. */
    public ServerInterceptor apiRequests() {
        return api;
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        happened.close();
    }
}
