package dev.kopi.daemon.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.RefreshRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.clone.CloneRequest;
import dev.kopi.daemon.clone.DestroyReason;
import dev.kopi.daemon.clone.WarmPool;
import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.core.Trigger;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.testing.CloneFixture;
import dev.kopi.daemon.testing.FakeInstances;
import dev.kopi.daemon.testing.SourcesFixture;

/** The metrics follow real clones, events and the catalog as they come and go. */
class MetricsTest {
    @TempDir
    Path tmp;
    private SourcesFixture x;
    private CloneFixture f;
    private WarmPool warm;
    private Metrics metrics;
    private SnapshotRecord snap;

    @BeforeEach
    void open() throws Exception {
        Source prod = Source.ofDatadir("prod", Path.of("/srv/prod"), null, Source.Origin.CONFIG)
                .withSettings(SourceSettings.NONE.withWarm(1));
        x = new SourcesFixture(tmp, Map.of("prod", prod), false, CloneFixture.Kind.FAKE);
        f = x.f;
        warm = new WarmPool(f.clones, x.sources); // not started: no warm clone unless a test starts it
        snap = f.publish("prod", "20261123T020000Z", "2026-11-23T02:00:00Z");
        metrics = new Metrics(f.events, new StateGauges.Parts(f.clones, warm, x.sources, f.catalog, f.backend,
                f.instances, f.clock));
    }

    @AfterEach
    void close() {
        metrics.close();
        warm.close();
        x.close();
    }

    private Scrape scrape() {
        return Scrape.of(metrics.registry());
    }

    @Test
    void clonesByStateAndTheCountersFollowCreateAndDestroy() {
        Scrape before = scrape();
        assertEquals(0.0, before.get("kopi_clones{state=\"running\"}"));
        assertEquals(0.0, before.get("kopi_clones{state=\"failed\"}"));
        assertEquals(0.0, before.get("kopi_clones_created_total"));
        assertEquals(0.0, before.get("kopi_clone_ready_seconds_count"));
        assertEquals(0.0, before.get("kopi_clones_destroyed_total{reason=\"user\"}"), "every reason is there from the start");

        f.clones.create(CloneRequest.of(SnapshotRef.parse("prod")).named("a"));
        f.clones.create(CloneRequest.of(SnapshotRef.parse("prod")).named("b"));
        Scrape two = scrape();
        assertEquals(2.0, two.get("kopi_clones{state=\"running\"}"));
        assertEquals(2.0, two.get("kopi_clones_created_total"));
        assertEquals(2.0, two.get("kopi_clone_ready_seconds_count"));
        assertEquals(2.0, two.get("kopi_clone_ready_seconds_bucket{le=\"+Inf\"}"));
        assertEquals(2.0 * FakeInstances.MEMORY, two.get("kopi_instances_memory_bytes{kind=\"clone\"}"));

        f.clones.destroy("a");
        f.clones.destroy("b", DestroyReason.TTL);
        Scrape after = scrape();
        assertEquals(0.0, after.get("kopi_clones{state=\"running\"}"));
        assertEquals(1.0, after.get("kopi_clones_destroyed_total{reason=\"user\"}"));
        assertEquals(1.0, after.get("kopi_clones_destroyed_total{reason=\"ttl\"}"));
        assertEquals(2.0, after.get("kopi_clones_created_total"), "a counter never goes down");
        assertEquals(0.0, after.get("kopi_instances_memory_bytes{kind=\"clone\"}"));
    }

    @Test
    void aCloneWhoseInstanceDiedCountsAsFailed() {
        f.clones.create(CloneRequest.of(SnapshotRef.parse("prod")).named("a"));
        f.fake.stop(f.clones.get("a").path());
        Scrape s = scrape();
        assertEquals(0.0, s.get("kopi_clones{state=\"running\"}"));
        assertEquals(1.0, s.get("kopi_clones{state=\"failed\"}"));
    }

    @Test
    void theReadyHistogramHoldsTheTimeTheEventCarries() {
        f.events.publish(EventKind.CLONE_CREATED, "c", null, "", Duration.ofMillis(40));
        f.events.publish(EventKind.CLONE_CREATED, "d", null, "", Duration.ofSeconds(3));
        Scrape s = scrape();
        assertEquals(1.0, s.get("kopi_clone_ready_seconds_bucket{le=\"0.05\"}"));
        assertEquals(1.0, s.get("kopi_clone_ready_seconds_bucket{le=\"2.5\"}"));
        assertEquals(2.0, s.get("kopi_clone_ready_seconds_bucket{le=\"5.0\"}"));
        assertEquals(3.04, s.get("kopi_clone_ready_seconds_sum"), 1e-9);
    }

    @Test
    void refreshesAreCountedAndTimedBySourceAndResult() {
        f.events.publish(EventKind.REFRESH_OK, "prod", Trigger.SCHEDULE, "", Duration.ofSeconds(90));
        f.events.publish(EventKind.REFRESH_FAILED, "prod", Trigger.API, "boom", Duration.ofSeconds(4));
        f.events.publish(EventKind.REFRESH_FAILED, "prod", Trigger.API, "boom", Duration.ofSeconds(5));
        f.events.publish(EventKind.REFRESH_SKIPPED, "prod", Trigger.SCHEDULE, "still running");
        Scrape s = scrape();
        assertEquals(1.0, s.get("kopi_refresh_total{result=\"ok\",source=\"prod\"}"));
        assertEquals(2.0, s.get("kopi_refresh_total{result=\"failed\",source=\"prod\"}"));
        assertEquals(1.0, s.get("kopi_refresh_total{result=\"skipped\",source=\"prod\"}"));
        assertEquals(90.0, s.get("kopi_refresh_duration_seconds_sum{result=\"ok\",source=\"prod\"}"));
        assertEquals(2.0, s.get("kopi_refresh_duration_seconds_count{result=\"failed\",source=\"prod\"}"));
        assertNull(s.get("kopi_refresh_duration_seconds_count{result=\"skipped\",source=\"prod\"}"),
                "a skipped run took no time");
    }

    @Test
    void snapshotAgeIsHowOldTheNewestSnapshotsDataIs() {
        assertEquals(7200.0, scrape().get("kopi_snapshot_age_seconds{source=\"prod\"}"));
        f.clock.advance(Duration.ofMinutes(30));
        assertEquals(9000.0, scrape().get("kopi_snapshot_age_seconds{source=\"prod\"}"));
        f.publish("prod", "20261123T043000Z", "2026-11-23T04:30:00Z");
        assertEquals(0.0, scrape().get("kopi_snapshot_age_seconds{source=\"prod\"}"));
    }

    @Test
    void anUnchangedSeedIsAsFreshAsTheRefreshThatConfirmedIt() {
        f.catalog.putRefresh(RefreshRecord.succeeded("prod", Instant.parse("2026-11-23T03:59:00Z"), 30_000,
                snap.ref(), true, Trigger.SCHEDULE));
        assertEquals(30.0, scrape().get("kopi_snapshot_age_seconds{source=\"prod\"}"));
    }

    @Test
    void poolSpaceIsReadAtEachScrapeAndLeftOutWhenThePoolCannotBeRead() {
        f.backend.setFree(3L << 30);
        Scrape s = scrape();
        assertEquals((double) (20L << 30), s.get("kopi_pool_size_bytes"));
        assertEquals((double) (3L << 30), s.get("kopi_pool_free_bytes"));
        f.backend.setFree(1L << 30);
        assertEquals((double) (1L << 30), scrape().get("kopi_pool_free_bytes"));

        f.backend.unmount();
        Scrape gone = scrape();
        assertNull(gone.get("kopi_pool_free_bytes"), "no made-up value for a pool that cannot be read");
        assertEquals(0.0, gone.get("kopi_clones{state=\"running\"}"), "the rest of the scrape still works");
    }

    @Test
    void warmClonesAndTheirMemoryAreCountedBySource() throws Exception {
        Scrape empty = scrape();
        assertEquals(0.0, empty.get("kopi_warm_clones{source=\"prod\"}"), "an empty pool shows as 0");
        assertEquals(0.0, empty.get("kopi_instances_memory_bytes{kind=\"warm\"}"));
        warm.start();
        assertTrue(SourcesFixture.eventually(() -> Double.valueOf(1.0).equals(scrape().get(
                "kopi_warm_clones{source=\"prod\"}"))));
        Scrape s = scrape();
        assertEquals((double) FakeInstances.MEMORY, s.get("kopi_instances_memory_bytes{kind=\"warm\"}"));
        assertEquals(0.0, s.get("kopi_clones{state=\"running\"}"), "warm clones are not the callers' clones");
        assertEquals(0.0, s.get("kopi_clones_created_total"), "nor were they created for a caller");
    }

    /** docs/alerts.yaml: every rule is complete, and every kopi_ series it reads is one kopid exports. */
    @Test
    void everyMetricTheExampleAlertsReadIsExported() throws Exception {
        Set<String> exported = new TreeSet<>();
        for (MetricSnapshot m : metrics.registry().scrape()) {
            String name = m.getMetadata().getPrometheusName();
            if (m instanceof CounterSnapshot) {
                exported.add(name + "_total");
            } else if (m instanceof HistogramSnapshot) {
                exported.addAll(List.of(name + "_bucket", name + "_count", name + "_sum"));
            } else {
                exported.add(name);
            }
        }
        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(Path.of("../docs/alerts.yaml").toFile());
        int n = 0;
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                n++;
                String alert = rule.path("alert").asText();
                String expr = rule.path("expr").asText();
                assertTrue(alert.matches("Kopi[A-Za-z]+"), "alert name: " + alert);
                assertTrue(rule.path("labels").path("severity").asText().matches("warning|critical"), alert);
                assertFalse(rule.path("annotations").path("summary").asText().isBlank(), alert);
                Matcher m = Pattern.compile("\\bkopi_[a-z_]+").matcher(expr);
                boolean named = false;
                while (m.find()) {
                    named = true;
                    assertTrue(exported.contains(m.group()), alert + " reads " + m.group() + ", which kopid does not "
                            + "export (it does: " + exported + ")");
                }
                // Only the scrape's own "up" says kopid is gone; everything else reads kopid's metrics.
                assertTrue(named || expr.startsWith("up{job=\"kopi\"}"), alert + " reads no kopi_ metric: " + expr);
            }
        }
        assertTrue(n >= 3, "pool space, stale snapshot and failing refresh at least");
    }
}
