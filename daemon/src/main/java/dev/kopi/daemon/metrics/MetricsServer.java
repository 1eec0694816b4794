package dev.kopi.daemon.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.logging.Logger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import dev.kopi.daemon.core.DaemonThreads;
import dev.kopi.daemon.core.KopiException;

/**
 * The HTTP side of {@code metrics.listen}, on the JDK's own server: {@code GET /metrics} (the
 * Prometheus client's scrape handler: text format, OpenMetrics or protobuf as the scraper asks)
 * and {@code GET /healthz} (200 {@code ok}, or 503 with the reason). Nothing else, and nothing
 * that changes state: it holds no secret and needs no authentication, but bind it to loopback or
 * a network only Prometheus reaches.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MetricsServer.class.getName());

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Listens on {@code listen}; a taken or unusable address fails kopid's start, naming the key. */
    public static MetricsServer start(InetSocketAddress listen, PrometheusRegistry registry, Health health) {
        HttpServer server;
        try {
            server = HttpServer.create(listen, 16);
        } catch (IOException e) {
            throw KopiException.precondition("metrics.listen: cannot listen on " + listen + ": " + e.getMessage());
        }
        // Two threads: a slow scrape (zfs commands, many clones) does not hold up a health check.
        ExecutorService executor = DaemonThreads.pool("kopid-metrics", 2);
        server.setExecutor(executor);
        server.createContext("/metrics", exactly("/metrics", new MetricsHandler(registry)));
        server.createContext("/healthz", exactly("/healthz", exchange -> healthz(exchange, health)));
        server.start();
        LOG.info("serving /metrics and /healthz on http://" + address(server));
        return new MetricsServer(server, executor);
    }

    /** Where it listens (the port chosen, when 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static String address(HttpServer server) {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** A context matches every path it prefixes: answer only the path itself, and only GET/HEAD. */
    private static HttpHandler exactly(String path, HttpHandler handler) {
        return exchange -> {
            try {
                if (!exchange.getRequestURI().getPath().equals(path)) {
                    reply(exchange, 404, "not found\n");
                } else if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                    reply(exchange, 405, "method not allowed\n");
                } else {
                    handler.handle(exchange);
                }
            } finally {
                exchange.close();
            }
        };
    }

    private static void healthz(HttpExchange exchange, Health health) throws IOException {
        Optional<String> problem = health.problem();
        reply(exchange, problem.isPresent() ? 503 : 200, problem.map(p -> p + "\n").orElse("ok\n"));
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
