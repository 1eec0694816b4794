package dev.kopi.daemon.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

import dev.kopi.daemon.testing.EchoServer;

/** kopi_api_requests_total counts each call once, by its full method name and final status code. */
class ApiRequestsTest {
    @Test
    void callsAreCountedByMethodAndCode() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        try (EchoServer echo = new EchoServer(List.of(new ApiRequests(registry)), () -> "")) {
            echo.say("a", new Metadata(), new AtomicReference<>());
            echo.say("b", new Metadata(), new AtomicReference<>());
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> echo.say("missing", new Metadata(), new AtomicReference<>()));
            assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        }
        Scrape s = Scrape.of(registry);
        assertEquals(2.0, s.get("kopi_api_requests_total{code=\"OK\",method=\"test.Echo/Say\"}"));
        assertEquals(1.0, s.get("kopi_api_requests_total{code=\"NOT_FOUND\",method=\"test.Echo/Say\"}"));
        assertEquals(2, s.samples().keySet().stream().filter(k -> k.startsWith("kopi_api_requests_total")).count());
    }
}
