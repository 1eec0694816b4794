package dev.kopi.daemon.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.CatalogState;
import dev.kopi.daemon.catalog.CatalogStore;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.storage.FakeStorageBackend;

/** The HTTP side: /metrics in the text format, /healthz 200 or 503 with the reason, nothing else. */
class MetricsServerTest {
    @TempDir
    Path tmp;
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> send(MetricsServer server, String method, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesMetricsAndHealth() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        Counter.builder().name("kopi_test_total").help("a test counter").register(registry).inc(3);
        FakeStorageBackend pool = new FakeStorageBackend(tmp.resolve("pool"));
        CatalogStore store = new CatalogStore(tmp.resolve("catalog.json"));
        store.save(CatalogState.empty());
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (MetricsServer server = MetricsServer.start(any, registry, new Health(pool, store))) {
            HttpResponse<String> metrics = send(server, "GET", "/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                    metrics.headers().toString());
            assertEquals(3.0, Scrape.parse(metrics.body()).get("kopi_test_total"), metrics.body());

            HttpResponse<String> healthy = send(server, "GET", "/healthz");
            assertEquals(200, healthy.statusCode());
            assertEquals("ok\n", healthy.body());

            pool.unmount();
            HttpResponse<String> sick = send(server, "GET", "/healthz");
            assertEquals(503, sick.statusCode());
            assertTrue(sick.body().contains("is not mounted"), sick.body());

            assertEquals(404, send(server, "GET", "/").statusCode());
            assertEquals(404, send(server, "GET", "/metricsfoo").statusCode());
            assertEquals(405, send(server, "POST", "/healthz").statusCode());
        }
    }

    @Test
    void aTakenAddressFailsTheStartNamingTheKey() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        Health health = new Health(new FakeStorageBackend(tmp.resolve("pool")), new CatalogStore(tmp.resolve("c")));
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (MetricsServer first = MetricsServer.start(any, registry, health)) {
            KopiException e = assertThrows(KopiException.class,
                    () -> MetricsServer.start(first.address(), registry, health));
            assertTrue(e.getMessage().startsWith("metrics.listen: cannot listen on "), e.getMessage());
        }
    }
}
