package dev.kopi.it;

import static dev.kopi.it.KopiFlowsIT.connect;
import static dev.kopi.it.KopiFlowsIT.count;
import static dev.kopi.it.SourcesFlowsIT.filesContaining;
import static dev.kopi.it.SourcesFlowsIT.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import dev.kopi.proto.v1.DeleteSnapshotRequest;
import dev.kopi.proto.v1.ListSnapshotsRequest;
import dev.kopi.proto.v1.ListSourcesRequest;
import dev.kopi.proto.v1.RefreshEvent;
import dev.kopi.proto.v1.RefreshRequest;
import dev.kopi.proto.v1.RemoveSourceRequest;
import dev.kopi.proto.v1.Snapshot;
import dev.kopi.proto.v1.Source;

/**
 * Issue 12's replica source end to end, against a real password-protected primary outside the
 * pool: the first refresh seeds a standby on the pool, later refreshes snapshot it (masked like
 * every snapshot), a stopped primary leaves the data at its last state, a SIGKILLed kopid adopts
 * the running standby, and removing the source drops its slot and its volumes. The tests run in
 * order on one source, each building on the last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ReplicaFlowsIT {
    static final String SECRET = "r3pl-S3cret-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    static final String CANARY = "canary-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "@example.com";
    static final String SLOT = "kopi_it_rep";

    RunDir run;
    Pool pool;
    Kopid kopid;
    SourceCluster prod;

    abstract Pool createPool(RunDir run);

    @BeforeAll
    void setUp() throws Exception {
        run = RunDir.create();
        prod = SourceCluster.production(run).seed().createKopiRole(SECRET);
        prod.sql("app", "INSERT INTO customers VALUES (5001, '" + CANARY + "', 'Canary Person')", "CHECKPOINT");
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

    @Test
    @Order(1)
    void firstRefreshSeedsAStandbyAndLaterRefreshesSeeChangesMasked() throws Exception {
        Path mask = run.resolve("mask.sql");
        Files.writeString(mask, "UPDATE customers SET email = 'user' || id || '@masked.invalid', "
                + "name = 'Customer ' || id;\n");
        Kopid.Cli add = kopid.cli("source", "add", "rep", "--replica", prod.conninfo("kopi", SECRET, null),
                "--slot", SLOT, "--wal-keep", "2h", "--transform", mask.toString());
        assertEquals(0, add.code(), add.err());
        String first = refresh("rep");
        assertEquals(1, slotCount(), "the slot was made on the primary");
        assertTrue(pool.volumes().contains("replicas/rep/standby"), pool.volumes().toString());
        assertTrue(pool.volumes().contains("replicas/rep/wal"), pool.volumes().toString());
        waitFor(Duration.ofSeconds(30), () -> source("rep").getStandby().getState().equals("streaming"),
                "the standby streams");
        assertMasked(first, 1001);

        prod.sql("app", "INSERT INTO customers VALUES (7001, 'later@example.com', 'Later Person')");
        String second = refresh("rep");
        assertNotEquals(first, second);
        assertMasked(second, 1002);
        Kopid.Cli list = kopid.cli("sources");
        assertTrue(list.out().contains("rep: standby streaming"), list.out());
        for (String shown : List.of(add.out(), add.err(), list.out(), kopid.cli("sources", "-o", "json").out(),
                Files.readString(kopid.log))) {
            assertFalse(shown.contains(SECRET), "the password is never shown: " + shown);
        }
    }

    @Test
    @Order(2)
    void theStandbyItsArchiveAndThePasswordAreOutOfHoldersReach() throws Exception {
        for (String v : List.of("replicas/rep/standby", "replicas/rep/wal")) {
            Path p = pool.path(v);
            assertEquals("postgres", Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName(), v);
            assertEquals("rwx------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)), v);
        }
        String ps = Sh.ok("ps", "-eo", "args");
        assertTrue(ps.contains("kopi-standby-rep"), "the standby runs");
        assertFalse(ps.contains(SECRET), "the password is on no command line");
        assertFalse(Sh.ok("ps", "-eo", "args").lines().filter(l -> l.contains("kopi-standby-rep"))
                .anyMatch(l -> l.contains("listen_addresses=127") || l.contains("listen_addresses=*")),
                "the standby listens on no TCP address");
        String latest = source("rep").getLatestSnapshot();
        assertEquals(List.of(), filesContaining(pool.path(KopiFlowsIT.volumeOf(latest)), SECRET),
                "no snapshot file holds the primary's password");
        assertEquals(List.of(), filesContaining(pool.path(KopiFlowsIT.volumeOf(latest)), CANARY),
                "no snapshot file holds an unmasked value");
    }

    /**
     * The archive is the postgres user's: swapped for a link to another directory, kopid's
     * pruning (every watch pass) must not delete there, however old and segment-like the files.
     */
    @Test
    @Order(2)
    void anArchiveSwappedForALinkNeverTakesAPruneElsewhere() throws Exception {
        Path archive = pool.path("replicas/rep/wal").resolve("archive");
        Path aside = archive.resolveSibling("archive.aside");
        Path victims = Files.createDirectories(run.resolve("victims"));
        Path victim = Files.writeString(victims.resolve("000000010000000000000001"), "not a segment");
        Files.setLastModifiedTime(victim, java.nio.file.attribute.FileTime.fromMillis(0));
        Sh.ok(Sh.asPostgres("mv", archive.toString(), aside.toString()));
        Sh.ok(Sh.asPostgres("ln", "-s", victims.toString(), archive.toString()));
        try {
            Thread.sleep(25_000); // two passes of the watch, each of which prunes
            assertTrue(Files.exists(victim), "a file the link led to was deleted");
        } finally {
            Sh.ok(Sh.asPostgres("rm", archive.toString()));
            Sh.ok(Sh.asPostgres("mv", aside.toString(), archive.toString()));
        }
    }

    @Test
    @Order(3)
    void aStoppedPrimaryLeavesTheDataAtItsLastStateAndRefreshStillWorks() throws Exception {
        prod.stop();
        try {
            waitFor(Duration.ofSeconds(30), () -> !source("rep").getStandby().getState().equals("streaming"),
                    "the standby notices the primary is gone");
            String snap = refresh("rep");
            assertMasked(snap, 1002);
        } finally {
            prod.start();
        }
        waitFor(Duration.ofSeconds(60), () -> source("rep").getStandby().getState().equals("streaming"),
                "the standby streams again once the primary is back");
        prod.sql("app", "INSERT INTO customers VALUES (7002, 'again@example.com', 'Again Person')");
        assertMasked(refresh("rep"), 1003);
    }

    @Test
    @Order(4)
    void aCloneAtATimeBetweenTwoCommitsSeesExactlyTheFirstMasked() throws Exception {
        prod.sql("app", "INSERT INTO customers VALUES (8001, 'first@example.com', 'First Person')");
        Thread.sleep(1500);
        String between = primaryNow();
        Thread.sleep(1500);
        prod.sql("app", "INSERT INTO customers VALUES (8002, 'second@example.com', 'Second Person')");
        waitFor(Duration.ofSeconds(30), () -> source("rep").getStandby().getState().equals("streaming"),
                "the standby has both commits");
        String name = "pitr1";
        Kopid.Cli r = kopid.cli("clone", "rep", "--at", between, "--name", name);
        assertEquals(0, r.code(), r.err() + "\n" + standbyLog());
        try (Connection c = connect(r.out().strip()); Statement st = c.createStatement()) {
            assertEquals(1, count(st, "SELECT count(*) FROM customers WHERE id = 8001"), "the first commit is there");
            assertEquals(0, count(st, "SELECT count(*) FROM customers WHERE id = 8002"), "the second is not");
            assertEquals(0, count(st, "SELECT count(*) FROM customers WHERE email LIKE '%@example.com'"),
                    "a point-in-time clone is masked like every snapshot");
        } finally {
            kopid.cli("destroy", name);
        }
        String tagged = kopid.snapshots().listSnapshots(ListSnapshotsRequest.newBuilder().setSource("rep").build())
                .getSnapshotsList().stream().map(Snapshot::getTag).filter(t -> t.startsWith("at-")).findFirst()
                .orElseThrow();
        assertEquals(List.of(), filesContaining(pool.path("snapshots/rep/" + tagged), CANARY),
                "no file of the point-in-time snapshot holds an unmasked value");
        assertNotEquals("rep@" + tagged, source("rep").getLatestSnapshot(), "SOURCE still means the newest refresh");
    }

    @Test
    @Order(5)
    void badPointsInTimeAreRefusedClearly() throws Exception {
        Kopid.Cli future = kopid.cli("clone", "rep", "--at", "2999-01-01T00:00:00Z");
        assertNotEquals(0, future.code());
        assertTrue(future.err().contains("future"), future.err());
        Kopid.Cli garbled = kopid.cli("clone", "rep", "--at", "yesterday");
        assertTrue(garbled.code() != 0 && garbled.err().contains("RFC 3339"), garbled.err());
        Kopid.Cli tooOld = kopid.cli("clone", "rep", "--at", "2001-01-01T00:00:00Z");
        assertTrue(tooOld.code() != 0 && tooOld.err().contains("keeps no data from before"), tooOld.err());
        Kopid.Cli add = kopid.cli("source", "add", "plain", "--basebackup", prod.conninfo("kopi", SECRET, null));
        assertEquals(0, add.code(), add.err());
        try {
            Kopid.Cli noWal = kopid.cli("clone", "plain", "--at", "2026-01-01T00:00:00Z");
            assertTrue(noWal.code() != 0 && noWal.err().contains("keeps no WAL"), noWal.err());
        } finally {
            kopid.cli("source", "remove", "plain");
        }
        assertEquals(List.of(), pool.volumes().stream().filter(v -> v.startsWith("staging/")).toList());
    }

    @Test
    @Order(6)
    void kopidKilledWithTheStandbyRunningAdoptsIt() throws Exception {
        long pid = standbyPid();
        kopid.kill9();
        kopid.start();
        assertEquals(pid, standbyPid(), "the same standby runs on: adopted, not restarted");
        assertEquals(List.of(), pool.volumes().stream().filter(v -> v.startsWith("staging/")).toList());
        prod.sql("app", "INSERT INTO customers VALUES (7003, 'third@example.com', 'Third Person')");
        assertMasked(refresh("rep"), 1006); // 8001 and 8002 came with the point-in-time test
    }

    @Test
    @Order(7)
    void aStandbyThatDiedIsStartedAgain() throws Exception {
        long pid = standbyPid();
        Sh.ok("kill", "-9", Long.toString(pid));
        waitFor(Duration.ofSeconds(60), () -> {
            long now = standbyPid();
            return now > 0 && now != pid;
        }, "kopid starts the standby again");
        waitFor(Duration.ofSeconds(60), () -> source("rep").getStandby().getState().equals("streaming"),
                "and it streams: " + standbyLog());
    }

    @Test
    @Order(8)
    void aStandbyThatLostItsSlotIsSeededAgainWithAnEvent() throws Exception {
        // The wal sender goes and the slot with it, in the moment before the standby reconnects.
        for (int i = 0; slotCount() > 0; i++) {
            try {
                prod.sql("postgres", "SELECT pg_terminate_backend(active_pid, 5000) FROM pg_replication_slots "
                        + "WHERE slot_name = '" + SLOT + "' AND active", "SELECT pg_drop_replication_slot('" + SLOT + "')");
            } catch (IllegalStateException stillActive) {
                if (i > 200) {
                    throw stillActive;
                }
            }
        }
        waitFor(Duration.ofSeconds(90), () -> {
            try {
                return Files.readString(kopid.log).contains("can no longer follow its primary");
            } catch (Exception e) {
                return false;
            }
        }, "kopid notices and says so: " + standbyLog());
        waitFor(Duration.ofSeconds(90), () -> source("rep").getStandby().getState().equals("streaming"),
                "the standby streams again: " + standbyLog());
        assertEquals(1, slotCount(), "seeding made the slot again");
        prod.sql("app", "INSERT INTO customers VALUES (7004, 'fourth@example.com', 'Fourth Person')");
        assertMasked(refresh("rep"), 1007);
    }

    @Test
    @Order(9)
    void removingTheSourceDropsItsSlotAndVolumes() throws Exception {
        for (Snapshot s : kopid.snapshots().listSnapshots(ListSnapshotsRequest.newBuilder().setSource("rep").build())
                .getSnapshotsList()) {
            kopid.snapshots().deleteSnapshot(DeleteSnapshotRequest.newBuilder().setName(s.getName()).setForce(true)
                    .build());
        }
        // A primary that cannot be reached refuses the removal, before anything changed: the
        // slot would otherwise keep WAL there with nobody left who knows about it.
        prod.stop();
        try {
            Kopid.Cli refused = kopid.cli("source", "remove", "rep");
            assertEquals(1, refused.code(), refused.out());
            assertTrue(refused.err().contains("cannot reach the primary") && refused.err().contains("--force")
                    && refused.err().contains("nothing was removed"), refused.err());
            assertEquals("rep", source("rep").getName(), "the source is still there");
            assertTrue(standbyPid() > 0, "the standby still runs");
        } finally {
            prod.start();
        }
        waitFor(Duration.ofSeconds(60), () -> source("rep").getStandby().getState().equals("streaming"),
                "the standby streams again once the primary is back");
        kopid.sources().removeSource(RemoveSourceRequest.newBuilder().setName("rep").build());
        assertEquals(0, slotCount(), "the slot is dropped on the primary");
        assertEquals(List.of(), pool.volumes().stream().filter(v -> v.startsWith("replicas/")).toList(),
                "the standby, its archive and its raw bases are gone");
        assertFalse(pool.exists("replicas/rep"), "and so is the source's own dataset (ZFS)");
        assertEquals(0, standbyPid(), "the standby is stopped");
    }

    /**
     * A replica source defined in the configuration file and later taken out of it: kopid, which
     * reads its configuration at start, no longer knows the source then, but remembered its
     * primary, so it drops the slot there before the volumes go.
     */
    @Test
    @Order(10)
    void aReplicaSourceTakenOutOfTheConfigurationLosesItsSlotAtTheNextStart() throws Exception {
        String without = Files.readString(kopid.config);
        String slot = "kopi_it_cfg";
        kopid.kill9();
        Files.writeString(kopid.config, without + "sources:\n  cfgrep:\n    replica: '"
                + prod.conninfo("kopi", SECRET, null) + "'\n    slot: " + slot + "\n");
        kopid.start();
        try {
            refresh("cfgrep");
            assertEquals(1, slotCount(slot), "the slot was made on the primary");
            assertTrue(Files.exists(kopid.state.resolve("replicas/cfgrep")), "its primary is remembered");
        } finally {
            kopid.kill9();
            Files.writeString(kopid.config, without);
            kopid.start();
        }
        assertEquals(0, slotCount(slot), () -> "the slot is dropped on the primary: " + kopid.tail());
        assertEquals(List.of(), pool.volumes().stream().filter(v -> v.startsWith("replicas/")).toList(),
                "its volumes are gone");
        assertFalse(Files.exists(kopid.state.resolve("replicas/cfgrep")), "and so is what kopid remembered");
    }

    // ------------------------------------------------------------------ helpers

    void assertMasked(String snapshot, int customers) throws Exception {
        String name = "c" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffff);
        Kopid.Cli r = kopid.cli("clone", snapshot, "--name", name);
        assertEquals(0, r.code(), r.err());
        try (Connection c = connect(r.out().strip()); Statement st = c.createStatement()) {
            assertEquals(customers, count(st, "SELECT count(*) FROM customers"), snapshot);
            assertEquals(0, count(st, "SELECT count(*) FROM customers WHERE email LIKE '%@example.com'"),
                    "every row is masked in " + snapshot);
            assertEquals(5000, count(st, "SELECT count(*) FROM orders"));
        } finally {
            kopid.cli("destroy", name);
        }
    }

    String refresh(String source) {
        Iterator<RefreshEvent> it = kopid.sources().refresh(RefreshRequest.newBuilder().setName(source).build());
        RefreshEvent last = null;
        while (it.hasNext()) {
            last = it.next();
        }
        return last.getSnapshot().getName();
    }

    Source source(String name) {
        return kopid.sources().listSources(ListSourcesRequest.getDefaultInstance()).getSourcesList().stream()
                .filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
    }

    long slotCount() throws Exception {
        return slotCount(SLOT);
    }

    long slotCount(String slot) throws Exception {
        try (Connection c = prod.connect("postgres"); Statement st = c.createStatement()) {
            return count(st, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
        }
    }

    String primaryNow() throws Exception {
        try (Connection c = prod.connect("postgres"); Statement st = c.createStatement()) {
            return KopiFlowsIT.one(st, "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', "
                    + "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')");
        }
    }

    String standbyLog() {
        try {
            List<String> lines = Files.readAllLines(kopid.state.resolve("logs/standby-rep.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }

    /** The standby's postmaster pid, 0 when none runs. */
    long standbyPid() {
        Path pidFile = pool.path("replicas/rep/standby").resolve("postmaster.pid");
        try {
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
            return Files.exists(Path.of("/proc/" + pid)) ? pid : 0;
        } catch (Exception e) {
            return 0;
        }
    }
}
