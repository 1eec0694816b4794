package dev.kopi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.sys.Mounts;
import dev.kopi.sys.SysException;

/**
 * Watching kopid (issue 11): a real kopid on its embedded Btrfs pool with {@code metrics.listen}
 * and {@code log.format: json}. Clones made and destroyed through the API move the metrics;
 * {@code /healthz} is 200, then 503 with the reason once the pool is unmounted behind kopid's
 * back, and 200 again after kopid mounts it on its next start; every line kopid logged is JSON
 * and none holds a clone's password. Clone ports 61000-62999 and metrics ports 63000-63999 are
 * this class's alone (the other ITs use 20000-59999).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BtrfsWatchingIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    RunDir run;
    Pool pool;
    Kopid kopid;
    SourceCluster demo;
    int metricsPort;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The passwords of every clone this class made: none may show up in the log. */
    final List<String> passwords = new ArrayList<>();

    @BeforeAll
    void setUp() throws Exception {
        run = RunDir.create();
        demo = SourceCluster.demo(run);
        pool = new BtrfsPool(run);
        int portFirst = 61000 + ThreadLocalRandom.current().nextInt(0, 40) * 50;
        metricsPort = 63000 + ThreadLocalRandom.current().nextInt(0, 1000);
        kopid = new Kopid(run, pool, portFirst, portFirst + 9,
                "metrics:\n  listen: 127.0.0.1:" + metricsPort + "\nlog:\n  format: json\n").start();
        kopid.addDatadirSource("demo", demo.dataDir);
    }

    @AfterAll
    void tearDown() {
        Teardown.everything(run, kopid, pool, demo);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The samples of one scrape, by series ({@code name{labels}}). */
    private Map<String, Double> scrape() throws Exception {
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode(), r.body());
        Map<String, Double> out = new HashMap<>();
        for (String line : r.body().split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return out;
    }

    private static double value(Map<String, Double> scrape, String series) {
        Double v = scrape.get(series);
        assertNotNull(v, series + " is not in the scrape: " + scrape.keySet());
        return v;
    }

    private Clone create(String name) {
        Clone c = kopid.clones().createClone(CreateCloneRequest.newBuilder().setSnapshot("demo").setName(name).build());
        passwords.add(c.getPassword());
        return c;
    }

    private void destroy(String name) {
        kopid.clones().destroyClone(DestroyCloneRequest.newBuilder().setName(name).build());
    }

    @Test
    @Order(1)
    void theMetricsFollowClonesMadeAndDestroyedThroughTheApi() throws Exception {
        Map<String, Double> before = scrape();
        assertEquals(0.0, value(before, "kopi_clones{state=\"running\"}"));
        assertEquals(1.0, value(before, "kopi_refresh_total{result=\"ok\",source=\"demo\"}"));
        assertEquals(1.0, value(before, "kopi_refresh_duration_seconds_count{result=\"ok\",source=\"demo\"}"));
        assertTrue(value(before, "kopi_snapshot_age_seconds{source=\"demo\"}") < 600);
        assertTrue(value(before, "kopi_pool_size_bytes") > 512e6);
        assertTrue(value(before, "kopi_pool_free_bytes") > 0);
        double created = value(before, "kopi_clones_created_total");
        double destroyed = value(before, "kopi_clones_destroyed_total{reason=\"user\"}");
        double ready = value(before, "kopi_clone_ready_seconds_count");

        create("watched-a");
        create("watched-b");
        Map<String, Double> two = scrape();
        assertEquals(2.0, value(two, "kopi_clones{state=\"running\"}"));
        assertEquals(created + 2, value(two, "kopi_clones_created_total"));
        assertEquals(ready + 2, value(two, "kopi_clone_ready_seconds_count"));
        assertTrue(value(two, "kopi_clone_ready_seconds_sum") > 0);
        assertTrue(value(two, "kopi_instances_memory_bytes{kind=\"clone\"}") > 1e6, "two running postmasters");
        assertEquals(2.0, value(two, "kopi_api_requests_total{code=\"OK\",method=\"kopi.v1.CloneService/CreateClone\"}"));

        destroy("watched-a");
        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> destroy("watched-a"));
        assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
        Map<String, Double> one = scrape();
        assertEquals(1.0, value(one, "kopi_clones{state=\"running\"}"));
        assertEquals(destroyed + 1, value(one, "kopi_clones_destroyed_total{reason=\"user\"}"));
        assertEquals(created + 2, value(one, "kopi_clones_created_total"));
        assertEquals(1.0, value(one,
                "kopi_api_requests_total{code=\"NOT_FOUND\",method=\"kopi.v1.CloneService/DestroyClone\"}"));
        destroy("watched-b");
        assertEquals(0.0, value(scrape(), "kopi_clones{state=\"running\"}"));
    }

    @Test
    @Order(2)
    void healthzIs503WithTheReasonWhileThePoolIsUnmounted() throws Exception {
        HttpResponse<String> healthy = get("/healthz");
        assertEquals(200, healthy.statusCode(), healthy.body());
        assertEquals("ok\n", healthy.body());
        create("watched-c"); // a clone kopid must bring back when it starts again
        Path mount = run.resolve("pool");
        try {
            stopClonesAndUnmount(mount);
            HttpResponse<String> sick = get("/healthz");
            assertEquals(503, sick.statusCode(), sick.body());
            assertTrue(sick.body().contains("pool " + mount + " is not mounted"), sick.body());
            assertEquals(200, get("/metrics").statusCode(), "a scrape still works, without what cannot be read");
        } finally {
            // kopid mounts its embedded pool again when it starts, and restarts the clone.
            kopid.stop();
            kopid.start();
        }
        HttpResponse<String> again = get("/healthz");
        assertEquals(200, again.statusCode(), again.body());
        assertEquals(1.0, value(scrape(), "kopi_clones{state=\"running\"}"));
        destroy("watched-c");
    }

    /** Unmounts the pool behind kopid's back: its clones' instances go first, or the pool is busy. */
    private void stopClonesAndUnmount(Path mount) throws Exception {
        Reaper.killPostgresUnder(mount);
        try {
            Mounts.unmount(mount, 0);
        } catch (SysException busy) {
            Mounts.unmount(mount, Mounts.MNT_DETACH); // detached now, released once kopid lets go
        }
        assertFalse(Mounts.at(mount).isPresent());
    }

    @Test
    @Order(3)
    void everyLogLineIsJsonAndNoneHoldsAPassword() throws Exception {
        List<String> lines = Files.readAllLines(kopid.log);
        assertTrue(lines.size() > 5, "kopid logged: " + lines);
        boolean created = false;
        boolean destroyedLine = false;
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            assertTrue(n.isObject() && n.hasNonNull("time") && n.hasNonNull("level") && n.hasNonNull("logger")
                    && n.hasNonNull("message"), line);
            for (String password : passwords) {
                assertFalse(line.contains(password), "a clone's password in the log: " + line);
            }
            if (n.path("clone").asText().equals("watched-a") && n.path("message").asText().contains(" ready on port ")) {
                created = n.path("snapshot").asText().startsWith("demo@") && n.path("duration_ms").isIntegralNumber()
                        && n.path("request").asText().matches("[a-z2-9]{12}");
            }
            if (n.path("clone").asText().equals("watched-a") && n.path("reason").asText().equals("user")) {
                destroyedLine = true;
            }
        }
        assertTrue(created, "the create line has clone, snapshot, duration_ms and request fields");
        assertTrue(destroyedLine, "the destroy line has clone and reason fields");
        assertEquals(3, passwords.size());
    }
}
