package dev.kopi.it;

import static dev.kopi.it.KopiFlowsIT.connect;
import static dev.kopi.it.KopiFlowsIT.count;
import static dev.kopi.it.KopiFlowsIT.expect;
import static dev.kopi.it.KopiFlowsIT.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import io.grpc.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.kopi.proto.v1.AddSourceRequest;
import dev.kopi.proto.v1.DeleteSnapshotRequest;
import dev.kopi.proto.v1.ListSnapshotsRequest;
import dev.kopi.proto.v1.ListSourcesRequest;
import dev.kopi.proto.v1.RefreshEvent;
import dev.kopi.proto.v1.RefreshRequest;
import dev.kopi.proto.v1.RemoveSourceRequest;
import dev.kopi.proto.v1.Snapshot;
import dev.kopi.proto.v1.Source;
import dev.kopi.proto.v1.SourceSettings;

/**
 * Issue 3's sources end to end: a real password-protected "production" Postgres outside the
 * pool, copied by pg_basebackup and pg_dump, seed scripts, masking transforms, kopid's own
 * scheduler and retention, refreshes while clones run, and the failure cases (source stopped
 * midway, a broken transform, a full pool, kopid killed midway), each leaving the previous
 * snapshot as it was and nothing behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SourcesFlowsIT {
    static final String SECRET = "pr0d-S3cret-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    static final String CANARY = "canary-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "@example.com";

    RunDir run;
    Pool pool;
    Kopid kopid;
    SourceCluster prod;

    abstract Pool createPool(RunDir run);

    @BeforeAll
    void setUp() throws Exception {
        run = RunDir.create();
        prod = SourceCluster.production(run).seed().createKopiRole(SECRET);
        prod.sql("postgres", "CREATE ROLE app_owner NOLOGIN");
        prod.sql("app", "ALTER TABLE customers OWNER TO app_owner",
                "INSERT INTO customers VALUES (5001, '" + CANARY + "', 'Canary Person')", "CHECKPOINT");
        pool = createPool(run);
        kopid = Kopid.onRandomPorts(run, pool);
    }

    @AfterEach
    void destroyClones() {
        kopid.destroyAllClones();
    }

    @AfterAll
    void tearDown() {
        Teardown.everything(run, kopid, pool, prod);
    }

    // ------------------------------------------------------------------ kinds of source

    @Test
    void basebackupThroughKopictlGivesClonesTheLiveDataAndNeverShowsThePassword() throws Exception {
        Kopid.Cli add = kopid.cli("source", "add", "bb", "--basebackup", prod.conninfo("kopi", SECRET, null));
        assertEquals(0, add.code(), add.err());
        Kopid.Cli refresh = kopid.cli("refresh", "bb");
        assertEquals(0, refresh.code(), refresh.err());
        String snapshot = refresh.out().strip();
        assertTrue(snapshot.startsWith("bb@"), snapshot);
        prod.sql("app", "INSERT INTO customers VALUES (9001, 'after@example.com', 'After Snapshot')");
        try (Connection c = connect(clone("bb", "bb-1")); Statement st = c.createStatement()) {
            assertEquals(1001, count(st, "SELECT count(*) FROM customers"), "the data as of the refresh");
            assertEquals(5000, count(st, "SELECT count(*) FROM orders"));
            st.execute("INSERT INTO orders (customer_id, amount) VALUES (1, 9.50)");
            assertEquals(1, count(st, "SELECT count(*) FROM order_audit WHERE amount = 9.50"), "the trigger came along");
        } finally {
            prod.sql("app", "DELETE FROM customers WHERE id = 9001");
        }
        Kopid.Cli list = kopid.cli("sources");
        Kopid.Cli json = kopid.cli("sources", "-o", "json");
        for (String shown : List.of(add.out(), add.err(), refresh.out(), refresh.err(), list.out(), json.out(),
                Files.readString(kopid.log), source("bb").toString())) {
            assertFalse(shown.contains(SECRET), "the password is never shown: " + shown);
        }
        assertTrue(source("bb").getLocation().contains("password=********"), source("bb").getLocation());
    }

    @Test
    void dumpLeavesOutAnExcludedTableAndKeepsOwners() throws Exception {
        Path passwordFile = run.resolve("dump.pass");
        Files.writeString(passwordFile, SECRET + "\n");
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
        kopid.sources().addSource(AddSourceRequest.newBuilder().setName("dumped")
                .setDump(prod.conninfo("kopi", null, "app"))
                .setSettings(SourceSettings.newBuilder().setPasswordFile(passwordFile.toString())
                        .addExcludeTables("order_audit").setJobs(2)).build());
        String snapshot = refresh("dumped");
        try (Connection c = connect(clone("dumped", "dumped-1")); Statement st = c.createStatement()) {
            assertEquals(1001, count(st, "SELECT count(*) FROM customers"));
            assertEquals(5000, count(st, "SELECT count(*) FROM orders"));
            assertEquals(0, count(st, "SELECT count(*) FROM pg_tables WHERE tablename = 'order_audit'"),
                    "the excluded table is not in the copy");
            assertEquals("app_owner", one(st, "SELECT tableowner FROM pg_tables WHERE tablename = 'customers'"),
                    "owners come along (the source's roles are copied without passwords)");
            assertEquals("app", one(st, "SELECT current_database()"));
        }
        assertEquals(snapshot, source("dumped").getLatestSnapshot());
    }

    /** Small applications and managed services often keep their data in the "postgres" database. */
    @Test
    void aDumpOfThePostgresDatabaseWorks() throws Exception {
        prod.sql("postgres", "CREATE TABLE IF NOT EXISTS notes (id int PRIMARY KEY, body text)",
                "INSERT INTO notes VALUES (1, 'kept in postgres') ON CONFLICT DO NOTHING");
        try {
            kopid.sources().addSource(AddSourceRequest.newBuilder().setName("inpostgres")
                    .setDump(prod.conninfo("kopi", SECRET, "postgres"))
                    .setSettings(SourceSettings.newBuilder().setNoOwner(true)).build());
            refresh("inpostgres");
            try (Connection c = connect(clone("inpostgres", "inpostgres-1")); Statement st = c.createStatement()) {
                assertEquals("postgres", one(st, "SELECT current_database()"));
                assertEquals("kept in postgres", one(st, "SELECT body FROM notes WHERE id = 1"));
            }
        } finally {
            prod.sql("postgres", "DROP TABLE notes");
        }
    }

    @Test
    void seedIsKeyedByItsContentSoAnUnchangedSeedIsANoOp() throws Exception {
        Path schema = write("seed/01-schema.sql", "CREATE TABLE plans (id int PRIMARY KEY, name text NOT NULL);\n");
        Path data = write("seed/02-data.sql", "INSERT INTO plans VALUES (1, 'free'), (2, 'pro');\n");
        kopid.sources().addSource(AddSourceRequest.newBuilder().setName("seeded").addSeed(schema.toString())
                .addSeed(data.toString()).build());
        String first = refresh("seeded");
        RefreshEvent again = refreshEvents("seeded").get(refreshEvents.size() - 1);
        assertTrue(again.getUnchanged(), "the second run builds nothing");
        assertEquals(first, again.getSnapshot().getName(), "and reports the existing snapshot");
        assertEquals(1, snapshotsOf("seeded").size());
        assertTrue(source("seeded").getLastRefresh().getUnchanged());

        Files.writeString(data, "INSERT INTO plans VALUES (1, 'free'), (2, 'pro'), (3, 'team');\n");
        String second = refresh("seeded");
        assertNotEquals(first, second, "changed scripts make a new snapshot");
        try (Connection c = connect(clone("seeded", "seeded-1")); Statement st = c.createStatement()) {
            assertEquals(3, count(st, "SELECT count(*) FROM plans"));
            assertEquals("seeded", one(st, "SELECT current_database()"));
        }
    }

    @Test
    void transformMasksAndNoOriginalValueSurvivesInTheCloneOrOnDisk() throws Exception {
        Path mask = write("mask.sql", "UPDATE customers SET email = 'user' || id || '@masked.invalid', "
                + "name = 'Customer ' || id;\n");
        kopid.sources().addSource(AddSourceRequest.newBuilder().setName("masked")
                .setBasebackup(prod.conninfo("kopi", SECRET, null))
                .setSettings(SourceSettings.newBuilder().addTransforms(mask.toString())).build());
        String snapshot = refresh("masked");
        try (Connection c = connect(clone("masked", "masked-1")); Statement st = c.createStatement()) {
            assertEquals(1001, count(st, "SELECT count(*) FROM customers"));
            assertEquals(0, count(st, "SELECT count(*) FROM customers WHERE email LIKE '%@example.com' "
                    + "OR name NOT LIKE 'Customer %'"), "every row is masked");
            assertEquals(0, count(st, "SELECT count(*) FROM pg_stats WHERE most_common_vals::text LIKE '%example.com%'"
                    + " OR histogram_bounds::text LIKE '%example.com%'"), "statistics hold no original value");
        }
        List<Path> leaks = filesContaining(pool.path(KopiFlowsIT.volumeOf(snapshot)), CANARY);
        assertEquals(List.of(), leaks, "no file of the snapshot holds an original value (dead rows, WAL, stats)");
        assertFalse(filesContaining(prod.dataDir, CANARY).isEmpty(), "the check can fail: the source's files hold it");
    }

    // ------------------------------------------------------------------ schedule, retention, live refresh

    @Test
    void scheduledRefreshesRunAndRetentionKeepsTheNewestAndThoseWithClones() throws Exception {
        kopid.sources().addSource(AddSourceRequest.newBuilder().setName("nightly")
                .setBasebackup(prod.conninfo("kopi", SECRET, null))
                .setSettings(SourceSettings.newBuilder().setSchedule("*/4 * * * * *").setKeep(2)).build());
        try {
            waitFor(Duration.ofSeconds(40), () -> snapshotsOf("nightly").size() >= 1, "the schedule fires");
            Source s = source("nightly");
            assertEquals("schedule", s.getLastRefresh().getTrigger());
            assertFalse(s.getNextRefreshAt().isEmpty(), "the next run is shown");
            String first = oldest(snapshotsOf("nightly"));
            clone(first, "pinned");
            java.util.Set<String> seen = new java.util.HashSet<>();
            waitFor(Duration.ofSeconds(90), () -> {
                seen.addAll(names(snapshotsOf("nightly")));
                return seen.size() >= 4;
            }, "three more scheduled refreshes ran");
            waitFor(Duration.ofSeconds(20), () -> snapshotsOf("nightly").size() <= 3,
                    "retention keeps the newest 2 and the one with a clone");
            assertTrue(names(snapshotsOf("nightly")).contains(first), "the snapshot with a clone is kept");
            kopid.cli("destroy", "pinned");
            waitFor(Duration.ofSeconds(20), () -> !names(snapshotsOf("nightly")).contains(first),
                    "once its last clone is gone, retention removes it");
            assertTrue(snapshotsOf("nightly").size() <= 2);
        } finally {
            removeSource("nightly");
        }
    }

    @Test
    void refreshWhileClonesRunLeavesThemAnswering() throws Exception {
        addBasebackup("live");
        String before = refresh("live");
        AtomicInteger answered = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Connection c = connect(clone("live", "live-1")); Statement st = c.createStatement()) {
            Thread load = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        count(st, "SELECT count(*) FROM orders");
                        answered.incrementAndGet();
                    }
                } catch (SQLException e) {
                    if (!Thread.currentThread().isInterrupted()) {
                        failure.set(e);
                    }
                }
            });
            load.start();
            int atStart = answered.get();
            String after = refresh("live");
            int during = answered.get() - atStart;
            load.interrupt();
            load.join(10_000);
            assertEquals(null, failure.get(), "the clone kept answering");
            assertTrue(during > 10, "queries were answered during the refresh: " + during);
            assertNotEquals(before, after);
            assertEquals(5000, count(st, "SELECT count(*) FROM orders"));
        }
    }

    @Test
    void asyncRefreshReturnsAtOnceAndASecondRefreshIsRefusedMeanwhile() throws Exception {
        addBasebackup("async", "1M");
        Kopid.Cli started = kopid.cli("refresh", "async", "--async");
        assertEquals(0, started.code(), started.err());
        assertTrue(source("async").getRefreshing(), "running in the background");
        String why = expect(Status.Code.FAILED_PRECONDITION, () -> refresh("async"));
        assertTrue(why.contains("already running"), why);
        waitFor(Duration.ofSeconds(120), () -> !source("async").getRefreshing(), "the background refresh ends");
        assertTrue(source("async").getLastRefresh().getOk(), source("async").getLastRefresh().getError());
        assertEquals(1, snapshotsOf("async").size());
    }

    // ------------------------------------------------------------------ failures

    @Test
    void sourceStoppedMidCopyFailsClearlyAndLeavesTheOldSnapshotAndNothingBehind() throws Exception {
        addBasebackup("flaky", "2M");
        String old = refresh("flaky");
        Thread refresher = new Thread(() -> {
            try {
                refresh("flaky");
            } catch (RuntimeException expected) {
                // asserted through the source's last refresh
            }
        });
        refresher.start();
        try {
            waitFor(Duration.ofSeconds(60), () -> pool.volumes().stream().anyMatch(v -> v.startsWith("staging/flaky")),
                    "the copy is under way");
            Thread.sleep(1500);
            prod.stop();
            refresher.join(120_000);
        } finally {
            prod.start();
        }
        Source s = source("flaky");
        assertFalse(s.getLastRefresh().getOk());
        assertTrue(s.getLastRefresh().getError().contains("pg_basebackup"), s.getLastRefresh().getError());
        assertEquals(List.of(old), names(snapshotsOf("flaky")), "the old snapshot is as it was");
        assertNothingBehind();
        try (Connection c = connect(clone("flaky", "flaky-1")); Statement st = c.createStatement()) {
            assertEquals(5000, count(st, "SELECT count(*) FROM orders"), "and still clones");
        }
    }

    @Test
    void brokenTransformFailsTheRefreshNamingTheScriptAndKeepsTheOldSnapshot() throws Exception {
        Path t = write("transform-ok.sql", "UPDATE customers SET name = 'x' || id;\n");
        kopid.sources().addSource(AddSourceRequest.newBuilder().setName("xform")
                .setBasebackup(prod.conninfo("kopi", SECRET, null))
                .setSettings(SourceSettings.newBuilder().addTransforms(t.toString())).build());
        String old = refresh("xform");
        Files.writeString(t, "UPDATE customers SET nmae = 'x';\n");
        String why = expect(Status.Code.FAILED_PRECONDITION, () -> refresh("xform"));
        assertTrue(why.contains(t.toString()) && why.contains("nmae"), why);
        assertEquals(List.of(old), names(snapshotsOf("xform")));
        assertNothingBehind();
    }

    @Test
    void fullPoolIsRefusedBeforeAnythingIsMade() throws Exception {
        addBasebackup("big");
        String old = refresh("big");
        pool.fill(8L << 20);
        try {
            String why = expect(Status.Code.RESOURCE_EXHAUSTED, () -> refresh("big"));
            assertTrue(why.contains("pool"), why);
        } finally {
            pool.unfill();
        }
        assertEquals(List.of(old), names(snapshotsOf("big")));
        assertNothingBehind();
    }

    @Test
    void kopidKilledMidRefreshComesBackWithoutDebrisOrStrayTools() throws Exception {
        addBasebackup("killed", "1M");
        kopid.cli("refresh", "killed", "--async");
        waitFor(Duration.ofSeconds(60), () -> pool.volumes().stream().anyMatch(v -> v.startsWith("staging/killed")),
                "the copy is under way");
        Thread.sleep(1000);
        kopid.kill9();
        kopid.start();
        waitFor(Duration.ofSeconds(20), () -> !toolRunning(), "no pg_basebackup is left running");
        assertNothingBehind();
        assertEquals(List.of(), snapshotsOf("killed"));
        assertFalse(source("killed").getRefreshing());
    }

    @Test
    void badDefinitionsAreRefusedAndChangeNothing() throws Exception {
        int before = kopid.sources().listSources(ListSourcesRequest.getDefaultInstance()).getSourcesCount();
        String why = expect(Status.Code.INVALID_ARGUMENT, () -> kopid.sources().addSource(AddSourceRequest.newBuilder()
                .setName("twice").setDatadir("/x").setDump("host=db").build()));
        assertTrue(why.contains("only one"), why);
        why = expect(Status.Code.INVALID_ARGUMENT, () -> kopid.sources().addSource(AddSourceRequest.newBuilder()
                .setName("cron").setBasebackup("host=db password=" + SECRET)
                .setSettings(SourceSettings.newBuilder().setSchedule("every night")).build()));
        assertTrue(why.contains("schedule") && !why.contains(SECRET), why);
        why = expect(Status.Code.FAILED_PRECONDITION, () -> kopid.sources().addSource(AddSourceRequest.newBuilder()
                .setName("noseed").addSeed(run.resolve("missing.sql").toString()).build()));
        assertTrue(why.contains("missing.sql"), why);
        kopid.sources().addSource(AddSourceRequest.newBuilder().setName("down")
                .setDump("host=127.0.0.1 port=1 user=kopi dbname=app password=" + SECRET).build());
        why = expect(Status.Code.UNAVAILABLE, () -> refresh("down"));
        assertTrue(why.contains("cannot reach") && !why.contains(SECRET), why);
        assertNothingBehind();
        removeSource("down");
        assertEquals(before, kopid.sources().listSources(ListSourcesRequest.getDefaultInstance()).getSourcesCount());
    }

    // ------------------------------------------------------------------ helpers

    private final List<RefreshEvent> refreshEvents = new ArrayList<>();

    /** Refreshes over gRPC and returns the published (or, for an unchanged seed, existing) snapshot. */
    String refresh(String source) {
        List<RefreshEvent> events = refreshEvents(source);
        return events.get(events.size() - 1).getSnapshot().getName();
    }

    List<RefreshEvent> refreshEvents(String source) {
        refreshEvents.clear();
        Iterator<RefreshEvent> it = kopid.sources().refresh(RefreshRequest.newBuilder().setName(source).build());
        it.forEachRemaining(refreshEvents::add);
        return refreshEvents;
    }

    void addBasebackup(String name) {
        addBasebackup(name, "");
    }

    void addBasebackup(String name, String maxRate) {
        kopid.sources().addSource(AddSourceRequest.newBuilder().setName(name)
                .setBasebackup(prod.conninfo("kopi", SECRET, null))
                .setSettings(SourceSettings.newBuilder().setMaxRate(maxRate)).build());
    }

    String clone(String snapshot, String name) {
        Kopid.Cli r = kopid.cli("clone", snapshot, "--name", name);
        assertEquals(0, r.code(), r.err());
        return r.out().strip();
    }

    Source source(String name) {
        return kopid.sources().listSources(ListSourcesRequest.getDefaultInstance()).getSourcesList().stream()
                .filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
    }

    List<Snapshot> snapshotsOf(String source) {
        return kopid.snapshots().listSnapshots(ListSnapshotsRequest.newBuilder().setSource(source).build())
                .getSnapshotsList();
    }

    static List<String> names(List<Snapshot> snapshots) {
        return snapshots.stream().map(Snapshot::getName).toList();
    }

    static String oldest(List<Snapshot> snapshots) {
        return snapshots.stream().min(java.util.Comparator.comparing(Snapshot::getCreatedAt)).orElseThrow().getName();
    }

    /** Deletes the source's snapshots and removes it, retrying while a scheduled refresh runs. */
    void removeSource(String name) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try {
                for (Snapshot s : snapshotsOf(name)) {
                    kopid.snapshots().deleteSnapshot(DeleteSnapshotRequest.newBuilder().setName(s.getName())
                            .setForce(true).build());
                }
                kopid.sources().removeSource(RemoveSourceRequest.newBuilder().setName(name).build());
                return;
            } catch (RuntimeException busy) {
                Thread.sleep(300);
            }
        }
        throw new AssertionError("could not remove source " + name);
    }

    /** No staging volume, no refresh tool still running, no staging instance. */
    void assertNothingBehind() {
        assertEquals(List.of(), pool.volumes().stream().filter(v -> v.startsWith("staging/")).toList(),
                "no staging volume is left");
        assertFalse(toolRunning(), "no pg_basebackup / pg_dump / pg_restore is left running");
    }

    static boolean toolRunning() {
        return ProcessHandle.allProcesses().anyMatch(p -> p.info().command()
                .map(c -> c.endsWith("/pg_basebackup") || c.endsWith("/pg_dump") || c.endsWith("/pg_restore"))
                .orElse(false));
    }

    Path write(String name, String content) throws IOException {
        Path p = run.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        return p;
    }

    /** Files below {@code dir} whose bytes contain {@code needle} (read as root). */
    static List<Path> filesContaining(Path dir, String needle) throws IOException {
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        List<Path> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                if (indexOf(Files.readAllBytes(f), n) >= 0) {
                    out.add(dir.relativize(f));
                }
            }
        }
        return out;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static void waitFor(Duration max, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + max.toSeconds() + "s waiting until " + what);
            }
            Thread.sleep(200);
        }
    }
}
