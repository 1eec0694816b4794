package dev.kopi.it;

import static dev.kopi.it.KopiFlowsIT.connect;
import static dev.kopi.it.KopiFlowsIT.count;
import static dev.kopi.it.KopiFlowsIT.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.grpc.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.CreateSnapshotRequest;
import dev.kopi.proto.v1.DeleteSnapshotRequest;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.proto.v1.Event;
import dev.kopi.proto.v1.GetCloneRequest;
import dev.kopi.proto.v1.GetStatusRequest;
import dev.kopi.proto.v1.ListClonesRequest;
import dev.kopi.proto.v1.ListSnapshotsRequest;
import dev.kopi.proto.v1.ResetCloneRequest;
import dev.kopi.proto.v1.Snapshot;
import dev.kopi.proto.v1.WatchEventsRequest;

/**
 * Issue 4's clone lifecycle end to end on a real pool, a real kopid and real Postgres: TTL,
 * idle reaping, protection, reset, snapshots of clones (branches) and their lineage, usage
 * figures, limits, events, and lifetimes surviving a daemon restart. kopid runs with a short
 * reaper interval so expiry is seen within seconds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LifecycleFlowsIT {
    static final int MAX_CLONES = 6;

    RunDir run;
    Pool pool;
    Kopid kopid;
    SourceCluster demo;
    String demoSnapshot;

    abstract Pool createPool(RunDir run);

    @BeforeAll
    void setUp() throws Exception {
        run = RunDir.create();
        demo = SourceCluster.demo(run);
        pool = createPool(run);
        int portFirst = 20000 + ThreadLocalRandom.current().nextInt(0, 800) * 50;
        kopid = new Kopid(run, pool, portFirst, portFirst + 19,
                "clones:\n  check_interval: 300ms\n  max: " + MAX_CLONES + "\n").start();
        demoSnapshot = kopid.addDatadirSource("demo", demo.dataDir);
    }

    @AfterEach
    void destroyClones() {
        kopid.destroyAllClones();
    }

    @AfterAll
    void tearDown() {
        Teardown.everything(run, kopid, pool, demo);
    }

    // ------------------------------------------------------------------ TTL and protection

    @Test
    void expiredCloneIsDestroyedWithinSecondsAndTheEventSaysTtl() throws Exception {
        Kopid.Cli r = kopid.cli("clone", "demo", "--name", "short-lived", "--ttl", "2s");
        assertEquals(0, r.code(), r.err());
        Clone c = get("short-lived");
        Instant expires = Instant.parse(c.getExpiresAt());
        assertTrue(Duration.between(Instant.parse(c.getCreatedAt()), expires).toMillis() == 2000, c.getExpiresAt());
        waitFor(Duration.ofSeconds(15), () -> !exists("short-lived"), "the expired clone is destroyed");
        assertTrue(Instant.now().isAfter(expires), "not before it expired");
        Event destroyed = findEvent("clone.destroyed", "short-lived");
        assertEquals("ttl", destroyed.getReason());
        assertFalse(KopiFlowsIT.portAnswers(c.getPort()), "its instance is gone");
    }

    @Test
    void protectedCloneOutlivesItsTtlUntilProtectionEnds() throws Exception {
        assertEquals(0, kopid.cli("clone", "demo", "--name", "guarded", "--ttl", "1s", "--protect").code());
        Thread.sleep(2500);
        assertTrue(exists("guarded"), "a protected clone is not reaped after its TTL");
        assertTrue(get("guarded").getProtected());
        Kopid.Cli off = kopid.cli("protect", "guarded", "--off");
        assertEquals(0, off.code(), off.err());
        waitFor(Duration.ofSeconds(15), () -> !exists("guarded"), "reaped once unprotected");
        assertEquals("ttl", findEvent("clone.destroyed", "guarded").getReason());
    }

    @Test
    void extendMovesExpiryAndRefusesClonesWithoutTtl() {
        assertEquals(0, kopid.cli("clone", "demo", "--name", "ext", "--ttl", "1h").code());
        Instant before = Instant.parse(get("ext").getExpiresAt());
        Kopid.Cli r = kopid.cli("extend", "ext", "90m");
        assertEquals(0, r.code(), r.err());
        assertEquals(before.plus(Duration.ofMinutes(90)), Instant.parse(get("ext").getExpiresAt()));

        assertEquals(0, kopid.cli("clone", "demo", "--name", "forever").code());
        assertEquals("", get("forever").getExpiresAt(), "no TTL configured: never expires");
        Kopid.Cli refused = kopid.cli("extend", "forever", "1h");
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("no TTL"), refused.err());
        Kopid.Cli bad = kopid.cli("extend", "ext", "soon");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("not a duration"), bad.err());
        Kopid.Cli badTtl = kopid.cli("clone", "demo", "--name", "never-made", "--ttl", "-5m");
        assertEquals(1, badTtl.code());
        assertFalse(exists("never-made"), "a refused clone leaves nothing");
    }

    // ------------------------------------------------------------------ idle reaping

    @Test
    void idleCloneIsReapedButNeverOneWithASession() throws Exception {
        assertEquals(0, kopid.cli("clone", "demo", "--name", "idle-one", "--idle", "2s").code());
        assertEquals(0, kopid.cli("clone", "demo", "--name", "busy-one", "--idle", "2s").code());
        assertEquals(0, kopid.cli("clone", "demo", "--name", "kept-one", "--idle", "2s", "--protect").code());
        assertEquals(0, kopid.cli("clone", "demo", "--name", "no-idle", "--idle", "0").code());
        try (Connection session = connect(get("busy-one").getUri()); Statement st = session.createStatement()) {
            waitFor(Duration.ofSeconds(20), () -> !exists("idle-one"), "the idle clone is reaped");
            assertEquals("idle", findEvent("clone.destroyed", "idle-one").getReason());
            Thread.sleep(3000); // several more reaper passes
            assertTrue(exists("busy-one"), "a clone with an open session is never reaped");
            assertTrue(exists("kept-one"), "a protected clone is never reaped");
            assertTrue(exists("no-idle"), "idle timeout 0 means never");
            assertEquals(1000, count(st, "SELECT count(*) FROM customers"), "the session still works");
        }
        waitFor(Duration.ofSeconds(20), () -> !exists("busy-one"), "reaped once its session ended and it idled");
    }

    // ------------------------------------------------------------------ reset

    @Test
    void resetThrowsAwayChangesAndKeepsPortAndCredentials() throws Exception {
        Kopid.Cli made = kopid.cli("clone", "demo", "--name", "resettable");
        assertEquals(0, made.code(), made.err());
        String uri = made.out().strip();
        Clone before = get("resettable");
        try (Connection c = connect(uri); Statement st = c.createStatement()) {
            st.execute("DELETE FROM order_audit");
            st.execute("CREATE TABLE scratch (x int)");
        }
        long t0 = System.nanoTime();
        Kopid.Cli reset = kopid.cli("reset", "resettable");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, reset.code(), reset.err());
        assertEquals(uri, reset.out().strip(), "same connection string after reset");
        Clone after = get("resettable");
        assertEquals(before.getPort(), after.getPort());
        assertEquals(before.getUser(), after.getUser());
        assertEquals(before.getPassword(), after.getPassword());
        assertEquals(1, after.getResetCount());
        assertNotEquals("", after.getResetAt());
        try (Connection c = connect(uri); Statement st = c.createStatement()) {
            assertEquals(5000, count(st, "SELECT count(*) FROM order_audit"), "deleted rows are back");
            assertEquals(0, count(st, "SELECT count(*) FROM pg_class WHERE relname = 'scratch'"), "new table gone");
        }
        assertTrue(ms < 10_000, "reset took " + ms + " ms");
        assertEquals("", findEvent("clone.reset", "resettable").getReason());

        String d = expect(Status.Code.NOT_FOUND, () -> kopid.clones().resetClone(ResetCloneRequest.newBuilder()
                .setName("resettable").setTo("demo@20000101T000000Z").build()));
        assertTrue(d.contains("does not exist"), d);
        try (Connection c = connect(uri); Statement st = c.createStatement()) {
            assertEquals(1000, count(st, "SELECT count(*) FROM customers"), "a refused reset leaves the clone as it was");
        }
        expect(Status.Code.NOT_FOUND, () -> kopid.clones().resetClone(ResetCloneRequest.newBuilder()
                .setName("no-such-clone").build()));
    }

    // ------------------------------------------------------------------ branches

    @Test
    void snapshotOfACloneCarriesItsWritesAndLineage() throws Exception {
        assertEquals(0, kopid.cli("clone", "demo", "--name", "feature-work").code());
        Clone work = get("feature-work");
        try (Connection c = connect(work.getUri()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE migration_42 (id int PRIMARY KEY, note text)");
            st.execute("INSERT INTO migration_42 VALUES (1, 'from the branch')");
            st.execute("DELETE FROM orders WHERE id <= 100");
        }
        Kopid.Cli snap = kopid.cli("snapshot", "feature-work", "--name", "feature", "--message", "after migration 42");
        assertEquals(0, snap.code(), snap.err());
        String branch = snap.out().strip();
        assertTrue(branch.matches("feature@\\d{8}T\\d{6}Z(-\\d+)?"), branch);
        try (Connection c = connect(work.getUri()); Statement st = c.createStatement()) {
            assertEquals(1, count(st, "SELECT count(*) FROM migration_42"), "the clone keeps running meanwhile");
        }
        Snapshot listed = kopid.snapshots().listSnapshots(ListSnapshotsRequest.newBuilder().setSource("feature").build())
                .getSnapshots(0);
        assertEquals(branch, listed.getName());
        assertEquals(demoSnapshot, listed.getParent());
        assertEquals("feature-work", listed.getFromClone());
        assertEquals("after migration 42", listed.getMessage());
        Kopid.Cli table = kopid.cli("snapshots");
        assertTrue(table.out().contains(branch) && table.out().contains("feature-work"), table.out());

        Kopid.Cli child = kopid.cli("clone", "feature", "--name", "from-branch");
        assertEquals(0, child.code(), child.err());
        try (Connection c = connect(child.out().strip()); Statement st = c.createStatement()) {
            assertEquals("from the branch", KopiFlowsIT.one(st, "SELECT note FROM migration_42"));
            assertEquals(4900, count(st, "SELECT count(*) FROM orders"));
        }
        // The branched clone's password does not open clones of the branch.
        Clone fromBranch = get("from-branch");
        assertThrows(SQLException.class, () -> connect(fromBranch.getUri().replace(
                fromBranch.getUser() + ":" + fromBranch.getPassword(), work.getUser() + ":" + work.getPassword())).close());

        // The clone it was taken from can go; the branch stays usable (on ZFS, by promotion).
        destroy("feature-work");
        destroy("from-branch");
        assertEquals(0, kopid.cli("clone", "feature", "--name", "again").code());
        try (Connection c = connect(get("again").getUri()); Statement st = c.createStatement()) {
            assertEquals(1, count(st, "SELECT count(*) FROM migration_42"));
        }

        // A branch of the branch: its parent cannot be deleted without --force, and survives it.
        Kopid.Cli second = kopid.cli("snapshot", "again", "--name", "feature-2");
        assertEquals(0, second.code(), second.err());
        destroy("again");
        String d = expect(Status.Code.FAILED_PRECONDITION, () -> kopid.snapshots().deleteSnapshot(
                DeleteSnapshotRequest.newBuilder().setName(branch).build()));
        assertTrue(d.contains("parent"), d);
        kopid.snapshots().deleteSnapshot(DeleteSnapshotRequest.newBuilder().setName(branch).setForce(true).build());
        assertEquals(0, kopid.cli("clone", "feature-2", "--name", "grandchild").code());
        try (Connection c = connect(get("grandchild").getUri()); Statement st = c.createStatement()) {
            assertEquals(1, count(st, "SELECT count(*) FROM migration_42"));
        }
        destroy("grandchild");
        kopid.snapshots().deleteSnapshot(DeleteSnapshotRequest.newBuilder()
                .setName(second.out().strip()).build());

        // Names: a source's name is taken; an unknown clone is NOT_FOUND.
        expect(Status.Code.ALREADY_EXISTS, () -> kopid.snapshots().createSnapshot(CreateSnapshotRequest.newBuilder()
                .setClone("nobody").setName("demo").build()));
        assertEquals(0, kopid.cli("clone", "demo", "--name", "tmp").code());
        expect(Status.Code.NOT_FOUND, () -> kopid.snapshots().createSnapshot(CreateSnapshotRequest.newBuilder()
                .setClone("nobody").setName("x").build()));
        expect(Status.Code.INVALID_ARGUMENT, () -> kopid.snapshots().createSnapshot(CreateSnapshotRequest.newBuilder()
                .setClone("tmp").setName("../etc").build()));
    }

    // ------------------------------------------------------------------ usage and limits

    @Test
    void usageGrowsWhenACloneWrites50MB() throws Exception {
        assertEquals(0, kopid.cli("clone", "demo", "--name", "writer").code());
        long before = used("writer");
        assertTrue(before >= 0 && before < (8L << 20), "a fresh clone uses little: " + before);
        try (Connection c = connect(get("writer").getUri()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE blob AS SELECT g, repeat(md5(g::text), 32) AS pad FROM generate_series(1, 45000) g");
            st.execute("CHECKPOINT");
        }
        long[] after = {0};
        waitFor(Duration.ofSeconds(30), () -> (after[0] = used("writer")) - before >= (45L << 20),
                "usage grows by about 50 MB");
        assertTrue(after[0] - before < (200L << 20), "and not absurdly: " + (after[0] - before));
        var status = kopid.status().getStatus(GetStatusRequest.getDefaultInstance());
        assertFalse(status.getUsageAccounting().isEmpty(), "usage accounting is on");
        assertTrue(status.getClonesUsedBytes() >= after[0], "status sums the clones: " + status.getClonesUsedBytes());
        Snapshot s = kopid.snapshots().listSnapshots(ListSnapshotsRequest.newBuilder().setSource("demo").build())
                .getSnapshots(0);
        if (status.getUsageAccounting().equals("btrfs-simple-quotas")) {
            // Simple quotas charge a snapshot nothing for the data it shares: its size is the
            // databases' size from the catalog.
            assertEquals(-1, s.getReferencedBytes());
        } else {
            assertTrue(s.getReferencedBytes() > (1L << 20), "snapshot size on disk: " + s.getReferencedBytes());
        }
        assertTrue(s.getSizeBytes() > (1L << 20), "snapshot size: " + s.getSizeBytes());
        Kopid.Cli table = kopid.cli("clones");
        assertFalse(table.out().contains(get("writer").getPassword()), "no password in the clones table");
    }

    @Test
    void cloneLimitIsResourceExhaustedAndLeavesNothing() {
        List<String> made = new ArrayList<>();
        for (int i = 0; i < MAX_CLONES; i++) {
            assertEquals(0, kopid.cli("clone", "demo", "--name", "lim-" + i).code());
            made.add("lim-" + i);
        }
        String d = expect(Status.Code.RESOURCE_EXHAUSTED, () -> kopid.clones().createClone(CreateCloneRequest
                .newBuilder().setSnapshot("demo").setName("one-too-many").build()));
        assertTrue(d.contains("clones.max"), d);
        assertFalse(exists("one-too-many"));
        destroy(made.get(0));
        assertEquals(0, kopid.cli("clone", "demo", "--name", "one-more").code(), "room again after a destroy");
    }

    // ------------------------------------------------------------------ restart, connection details

    @Test
    void restartKeepsTtlIdleTimeoutAndProtection() throws Exception {
        assertEquals(0, kopid.cli("clone", "demo", "--name", "keeper", "--ttl", "3h", "--idle", "0", "--protect").code());
        Clone before = get("keeper");
        kopid.kill9();
        kopid.start();
        Clone after = get("keeper");
        assertEquals(before.getExpiresAt(), after.getExpiresAt());
        assertEquals(0, after.getIdleTimeoutSeconds());
        assertTrue(after.getProtected());
        try (Connection c = connect(after.getUri()); Statement st = c.createStatement()) {
            assertEquals(1000, count(st, "SELECT count(*) FROM customers"));
        }
    }

    @Test
    void urlAndEnvGiveTheConnectionDetails() {
        assertEquals(0, kopid.cli("clone", "demo", "--name", "details").code());
        Clone c = get("details");
        assertEquals(c.getUri(), kopid.cli("url", "details").out().strip());
        assertEquals(c.getJdbcUrl(), kopid.cli("url", "details", "--jdbc").out().strip());
        String env = kopid.cli("env", "details").out();
        assertTrue(env.contains("PGPORT='" + c.getPort() + "'") || env.contains("PGPORT=" + c.getPort()), env);
        assertTrue(env.contains("PGPASSWORD=") && env.contains(c.getPassword()), env);
        assertTrue(env.contains("PGUSER=") && env.contains(c.getUser()), env);
    }

    @Test
    void psqlCommandRunsPsqlConnectedToTheClone() throws Exception {
        assertEquals(0, kopid.cli("clone", "demo", "--name", "psql-target").code());
        ProcessBuilder p = new ProcessBuilder(Kopid.repo().resolve("bin/kopictl").toString(), "psql", "psql-target", "--",
                "-tAc", "SELECT count(*) FROM customers")
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        p.environment().put("KOPI_SOCKET", kopid.socket.toString());
        Process proc = p.start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(proc.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, proc.exitValue(), out);
        assertEquals("1000", out.strip());
    }

    @Test
    void eventsStreamCreatedResetAndDestroyedInOrder() {
        assertEquals(0, kopid.cli("clone", "demo", "--name", "watched").code());
        assertEquals(0, kopid.cli("reset", "watched").code());
        destroy("watched");
        List<String> seen = new ArrayList<>();
        Iterator<Event> it = kopid.events().withDeadlineAfter(5, TimeUnit.SECONDS)
                .watchEvents(WatchEventsRequest.newBuilder().setHistory(1000).build());
        try {
            while (it.hasNext()) {
                Event e = it.next();
                if (e.getName().equals("watched")) {
                    seen.add(e.getKind() + ":" + e.getReason());
                    if (e.getKind().equals("clone.destroyed")) {
                        break;
                    }
                }
            }
        } catch (io.grpc.StatusRuntimeException deadline) {
            // the stream never ends by itself: the deadline ends it
        }
        assertEquals(List.of("clone.created:", "clone.reset:", "clone.destroyed:user"), seen);
    }

    // ------------------------------------------------------------------ helpers

    Clone get(String name) {
        return kopid.clones().getClone(GetCloneRequest.newBuilder().setName(name).build());
    }

    boolean exists(String name) {
        return kopid.clones().listClones(ListClonesRequest.getDefaultInstance()).getClonesList().stream()
                .anyMatch(c -> c.getName().equals(name));
    }

    long used(String name) {
        return kopid.clones().listClones(ListClonesRequest.getDefaultInstance()).getClonesList().stream()
                .filter(c -> c.getName().equals(name)).findFirst().orElseThrow().getUsedBytes();
    }

    void destroy(String name) {
        kopid.clones().destroyClone(DestroyCloneRequest.newBuilder().setName(name).build());
    }

    /** The newest event of a kind about a name, from the daemon's history. */
    Event findEvent(String kind, String name) {
        Iterator<Event> it = kopid.events().withDeadlineAfter(3, TimeUnit.SECONDS)
                .watchEvents(WatchEventsRequest.newBuilder().setHistory(1000).build());
        Event found = null;
        try {
            while (it.hasNext()) {
                Event e = it.next();
                if (e.getKind().equals(kind) && e.getName().equals(name)) {
                    found = e;
                }
            }
        } catch (io.grpc.StatusRuntimeException deadline) {
            // the replayed history has been read
        }
        assertTrue(found != null, "no " + kind + " event for " + name);
        return found;
    }

    static void waitFor(Duration limit, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting until " + what);
            }
            Thread.sleep(100);
        }
    }
}
