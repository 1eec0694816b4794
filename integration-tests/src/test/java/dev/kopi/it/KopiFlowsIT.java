package dev.kopi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;

import dev.kopi.proto.v1.AddSourceRequest;
import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CloneState;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.DeleteSnapshotRequest;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.proto.v1.GetStatusRequest;
import dev.kopi.proto.v1.ListClonesRequest;
import dev.kopi.proto.v1.ListSnapshotsRequest;
import dev.kopi.proto.v1.ListSourcesRequest;
import dev.kopi.proto.v1.RefreshEvent;
import dev.kopi.proto.v1.RefreshRequest;
import dev.kopi.proto.v1.Snapshot;
import dev.kopi.proto.v1.Source;

/**
 * Every foundation flow end to end on a real pool, a real kopid process and real Postgres,
 * through kopictl and through gRPC. Subclasses choose the backend. Each test cleans up the clones
 * and snapshots it makes; the class tears everything down in {@link #tearDown()}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class KopiFlowsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    RunDir run;
    Pool pool;
    Kopid kopid;
    SourceCluster demo;
    int portFirst;
    int portLast;

    abstract Pool createPool(RunDir run);

    @BeforeAll
    void setUp() throws Exception {
        run = RunDir.create();
        demo = SourceCluster.demo(run);
        pool = createPool(run);
        portFirst = 20000 + ThreadLocalRandom.current().nextInt(0, 800) * 50;
        portLast = portFirst + 19;
        kopid = new Kopid(run, pool, portFirst, portLast).start();
        String snapshot = kopid.addDatadirSource("demo", demo.dataDir);
        assertTrue(snapshot.matches("demo@\\d{8}T\\d{6}Z"), snapshot);
    }

    @AfterAll
    void tearDown() {
        Teardown.everything(run, kopid, pool, demo);
    }

    // ------------------------------------------------------------------ the main flow

    @Test
    void cloneThroughCliSeesSourceDataConstraintsAndTriggers() throws Exception {
        Kopid.Cli r = kopid.cli("clone", "demo", "--name", "main-flow");
        try {
            assertEquals(0, r.code(), r.err());
            assertEquals("", r.err());
            String uri = r.out().strip();
            assertEquals(1, r.out().split("\n").length, "clone prints the URI and nothing else: " + r.out());
            assertTrue(uri.startsWith("postgresql://kopi_") && uri.endsWith("/app"), uri);
            try (Connection c = connect(uri); Statement st = c.createStatement()) {
                assertEquals(1000, count(st, "SELECT count(*) FROM customers"));
                assertEquals(5000, count(st, "SELECT count(*) FROM orders"));
                assertEquals(5000, count(st, "SELECT count(*) FROM order_audit"));
                SQLException fk = assertThrows(SQLException.class,
                        () -> st.execute("INSERT INTO orders (customer_id, amount) VALUES (999999, 10)"));
                assertEquals("23503", fk.getSQLState(), "foreign key enforced in the clone");
                SQLException check = assertThrows(SQLException.class,
                        () -> st.execute("INSERT INTO orders (customer_id, amount) VALUES (1, -5)"));
                assertEquals("23514", check.getSQLState(), "check constraint enforced in the clone");
                st.execute("INSERT INTO orders (customer_id, amount) VALUES (7, 12.50)");
                assertEquals(5001, count(st, "SELECT count(*) FROM order_audit"), "trigger fired in the clone");
            }
        } finally {
            destroyQuietly("main-flow");
        }
    }

    @Test
    void cloneJsonCarriesConnectionDetailsAndReadyTime() throws Exception {
        Kopid.Cli r = kopid.cli("clone", "demo", "--name", "json-out", "-o", "json");
        try {
            assertEquals(0, r.code(), r.err());
            JsonNode j = JSON.readTree(r.out());
            for (String f : List.of("name", "snapshot", "host", "port", "user", "password", "database", "uri", "jdbcUrl",
                    "readyMs")) {
                assertTrue(j.has(f), "missing " + f + " in " + r.out());
            }
            assertEquals("json-out", j.get("name").asText());
            assertTrue(j.get("snapshot").asText().startsWith("demo@"));
            assertEquals("127.0.0.1", j.get("host").asText());
            assertTrue(j.get("port").isInt());
            int port = j.get("port").asInt();
            assertTrue(port >= portFirst && port <= portLast, "port " + port + " outside the configured range");
            assertEquals("app", j.get("database").asText());
            assertTrue(j.get("readyMs").isInt() && j.get("readyMs").asInt() > 0);
            try (Connection c = DriverManager.getConnection(j.get("jdbcUrl").asText()); Statement st = c.createStatement()) {
                assertEquals(1000, count(st, "SELECT count(*) FROM customers"));
                assertEquals(j.get("user").asText(), one(st, "SELECT current_user"));
            }
        } finally {
            destroyQuietly("json-out");
        }
    }

    @Test
    void writesInOneCloneAreInvisibleToOtherClonesAndTheSnapshot() throws Exception {
        try {
            Clone a = create("iso-a");
            Clone b = create("iso-b");
            try (Connection c = connect(a.getUri()); Statement st = c.createStatement()) {
                st.execute("INSERT INTO customers VALUES (5001, 'new@example.com', 'New')");
                st.execute("UPDATE customers SET name = 'changed' WHERE id = 1");
                st.execute("DELETE FROM order_audit");
                assertEquals(1001, count(st, "SELECT count(*) FROM customers"));
            }
            Clone c2 = create("iso-c");
            for (Clone other : List.of(b, c2)) {
                try (Connection c = connect(other.getUri()); Statement st = c.createStatement()) {
                    assertEquals(1000, count(st, "SELECT count(*) FROM customers"), other.getName());
                    assertEquals("Customer 1", one(st, "SELECT name FROM customers WHERE id = 1"));
                    assertEquals(5000, count(st, "SELECT count(*) FROM order_audit"));
                }
            }
            assertTrue(snapshotIsReadOnly(a.getSnapshot()), "snapshot volume must be read-only");
        } finally {
            destroyQuietly("iso-a", "iso-b", "iso-c");
        }
    }

    @Test
    void eachCloneHasItsOwnCredentialsPortAndUnprivilegedLoopbackInstance() throws Exception {
        try {
            Clone a = create("sec-a");
            Clone b = create("sec-b");
            assertNotEquals(a.getPort(), b.getPort());
            assertNotEquals(a.getUser(), b.getUser());
            assertNotEquals(a.getPassword(), b.getPassword());
            // a's credentials do not open b: b admits its own role only, so a's is refused outright
            SQLException wrongClone = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + b.getPort() + "/app", a.getUser(), a.getPassword()).close());
            assertEquals("28000", wrongClone.getSQLState());
            SQLException wrongPassword = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + a.getPort() + "/app", a.getUser(), "not-the-password").close());
            assertEquals("28P01", wrongPassword.getSQLState());
            try (Connection c = connect(a.getUri()); Statement st = c.createStatement()) {
                assertEquals("127.0.0.1", one(st, "SHOW listen_addresses"));
                assertEquals("off", one(st, "SHOW archive_mode"));
            }
            // each clone runs as an identity of its own (never root, not postgres, not the other
            // clone's) that owns its 0700 data directory
            int postgresUid = ((Number) Files.getAttribute(run.resolve("src"), "unix:uid")).intValue();
            int aUid = uidOf(a.getPid());
            assertNotEquals(0, aUid);
            assertNotEquals(postgresUid, aUid);
            assertNotEquals(uidOf(b.getPid()), aUid);
            assertTrue(aUid >= 2_000_000_000, "from postgres.clone_uids: " + aUid);
            Path dir = Path.of(a.getPath());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
            assertEquals(aUid, ((Number) Files.getAttribute(dir, "unix:uid")).intValue());
            // the API socket is 0660, not world-writable
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(kopid.socket)));
            // each clone has its own socket directory, private to its identity
            Path sockets = kopid.state.resolve("run").resolve(Integer.toString(a.getPort()));
            assertTrue(Files.exists(sockets.resolve(".s.PGSQL." + a.getPort())), "socket in " + sockets);
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sockets)));
            assertEquals(aUid, ((Number) Files.getAttribute(sockets, "unix:uid")).intValue());
            assertFalse(Files.exists(kopid.state.resolve("run").resolve(Integer.toString(b.getPort()))
                    .resolve(".s.PGSQL." + a.getPort())));
            // runtime files live in root's directories; the hba file is root's, readable, SCRAM only
            Path run = kopid.state.resolve("run");
            assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(run)));
            assertEquals(0, ((Number) Files.getAttribute(run, "unix:uid")).intValue());
            Path hba = kopid.state.resolve("hba").resolve(a.getPort() + ".conf");
            assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(hba)));
            assertEquals(aUid, ((Number) Files.getAttribute(hba, "unix:gid")).intValue(), "its clone's group alone reads it");
            assertEquals(0, ((Number) Files.getAttribute(hba, "unix:uid")).intValue());
            for (String line : Files.readAllLines(hba)) {
                if (line.startsWith("host")) {
                    assertTrue(line.endsWith("scram-sha-256") && !line.contains("0.0.0.0/0"), line);
                }
            }
        } finally {
            destroyQuietly("sec-a", "sec-b");
        }
    }

    @Test
    void clonesAreListedWithoutPasswordsAndDestroyedCompletely() throws Exception {
        Clone a = create("list-a");
        create("list-b");
        try {
            Kopid.Cli table = kopid.cli("clones");
            assertEquals(0, table.code(), table.err());
            assertTrue(table.out().contains("list-a") && table.out().contains("list-b"), table.out());
            assertTrue(table.out().contains("running"), table.out());
            assertFalse(table.out().contains(a.getPassword()), "passwords never appear in the table");
            JsonNode json = JSON.readTree(kopid.cli("clones", "-o", "json").out());
            assertTrue(json.isArray() && json.size() >= 2);

            Kopid.Cli d = kopid.cli("destroy", "list-a");
            assertEquals(0, d.code(), d.err());
            assertEquals("destroyed list-a\n", d.out());
            assertFalse(pool.exists("clones/list-a"), "volume gone");
            assertFalse(Files.exists(kopid.state.resolve("run").resolve(Integer.toString(a.getPort()))), "socket dir gone");
            assertFalse(ProcessHandle.of(a.getPid()).map(ProcessHandle::isAlive).orElse(false), "postgres gone");
            assertFalse(kopid.cli("clones").out().contains("list-a"));
            Kopid.Cli again = kopid.cli("destroy", "list-a");
            assertEquals(1, again.code());
            assertTrue(again.err().startsWith("kopictl: clone 'list-a' does not exist"), again.err());
            assertEquals(1, again.err().strip().split("\n").length, "one line: " + again.err());
        } finally {
            destroyQuietly("list-a", "list-b");
        }
    }

    @Test
    void concurrentClonesGetDistinctNamesAndPortsAndAllAnswer() throws Exception {
        ExecutorService pool8 = Executors.newFixedThreadPool(8);
        List<Clone> made = new ArrayList<>();
        try {
            List<Future<Clone>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool8.submit(() -> kopid.clones().createClone(
                        CreateCloneRequest.newBuilder().setSnapshot("demo").build())));
            }
            for (Future<Clone> f : futures) {
                made.add(f.get(2, TimeUnit.MINUTES));
            }
            Set<Integer> ports = new HashSet<>();
            Set<String> names = new HashSet<>();
            for (Clone c : made) {
                ports.add(c.getPort());
                names.add(c.getName());
                assertTrue(c.getName().startsWith("demo-"), c.getName());
                try (Connection conn = connect(c.getUri()); Statement st = conn.createStatement()) {
                    assertEquals(1000, count(st, "SELECT count(*) FROM customers"));
                }
            }
            assertEquals(8, ports.size(), "distinct ports");
            assertEquals(8, names.size(), "distinct names");
        } finally {
            pool8.shutdownNow();
            made.forEach(c -> destroyQuietly(c.getName()));
        }
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void invalidNamesAreRefusedBeforeAnythingTouchesDisk() {
        Set<String> before = pool.volumes();
        List<String> bad = List.of("../etc", "a/b", "a b", "x;rm -rf /", "$(id)", "`id`", "UPPER", "a".repeat(64),
                ".hidden", "-dash", "tab\there", "new\nline", "..", "é");
        for (String name : bad) {
            String msg = expect(Status.Code.INVALID_ARGUMENT, () -> kopid.clones().createClone(
                    CreateCloneRequest.newBuilder().setSnapshot("demo").setName(name).build()));
            assertTrue(msg.contains("not valid"), msg);
            expect(Status.Code.INVALID_ARGUMENT, () -> kopid.clones().createClone(
                    CreateCloneRequest.newBuilder().setSnapshot(name).build()));
            expect(Status.Code.INVALID_ARGUMENT, () -> kopid.sources().addSource(
                    AddSourceRequest.newBuilder().setName(name).setDatadir(demo.dataDir.toString()).build()));
        }
        expect(Status.Code.INVALID_ARGUMENT, () -> kopid.clones().createClone(
                CreateCloneRequest.newBuilder().setSnapshot("").build()));
        expect(Status.Code.INVALID_ARGUMENT, () -> kopid.clones().createClone(
                CreateCloneRequest.newBuilder().setSnapshot("demo@../../x").build()));
        Kopid.Cli cli = kopid.cli("clone", "demo", "--name", "../../etc/passwd");
        assertEquals(1, cli.code());
        assertTrue(cli.err().startsWith("kopictl: clone name '../../etc/passwd' is not valid"), cli.err());
        Kopid.Cli empty = kopid.cli("clone", "demo", "--name", "");
        assertEquals(1, empty.code(), "an empty name is refused, not taken for none");
        assertEquals("kopictl: clone name is empty", empty.err().strip());
        expect(Status.Code.INVALID_ARGUMENT, () -> kopid.clones().createClone(
                CreateCloneRequest.newBuilder().setSnapshot("demo").setDatabase("").build()));
        assertEquals(before, pool.volumes(), "nothing created");
        assertFalse(Files.exists(pool.path("clones/..")) && Files.exists(pool.path("etc")), "nothing written outside");
    }

    @Test
    void unknownSnapshotIsNotFound() {
        String m = expect(Status.Code.NOT_FOUND, () -> kopid.clones().createClone(
                CreateCloneRequest.newBuilder().setSnapshot("nosuch").build()));
        assertTrue(m.contains("kopictl refresh nosuch"), "actionable: " + m);
        expect(Status.Code.NOT_FOUND, () -> kopid.clones().createClone(
                CreateCloneRequest.newBuilder().setSnapshot("demo@19990101T000000Z").build()));
        Kopid.Cli cli = kopid.cli("clone", "nosuch");
        assertEquals(1, cli.code());
        assertEquals("", cli.out());
    }

    @Test
    void duplicateCloneNameIsAlreadyExistsAndTheFirstKeepsWorking() throws Exception {
        try {
            Clone first = create("dup");
            Set<String> before = pool.volumes();
            expect(Status.Code.ALREADY_EXISTS, () -> create("dup"));
            assertEquals(before, pool.volumes());
            try (Connection c = connect(first.getUri()); Statement st = c.createStatement()) {
                assertEquals(1000, count(st, "SELECT count(*) FROM customers"));
            }
        } finally {
            destroyQuietly("dup");
        }
    }

    @Test
    void usedUpPortRangeIsResourceExhaustedAndLeavesNothingBehind() throws Exception {
        List<ServerSocket> squatters = new ArrayList<>();
        try {
            for (int p = portFirst; p <= portLast; p++) {
                try {
                    ServerSocket s = new ServerSocket();
                    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p));
                    squatters.add(s);
                } catch (IOException inUse) {
                    // a clone of another test holds it: used up either way
                }
            }
            Set<String> before = pool.volumes();
            String m = expect(Status.Code.RESOURCE_EXHAUSTED, () -> create("no-port"));
            assertTrue(m.contains("postgres.ports"), "actionable: " + m);
            assertEquals(before, pool.volumes(), "no half-made volume");
            assertFalse(kopid.cli("clones").out().contains("no-port"));
        } finally {
            for (ServerSocket s : squatters) {
                s.close();
            }
        }
        try {
            Clone ok = create("after-ports");
            assertTrue(ok.getPort() >= portFirst);
        } finally {
            destroyQuietly("after-ports");
        }
    }

    @Test
    void fullPoolRefusesClonesAndLeavesNothingBehind() throws Exception {
        Set<String> before = pool.volumes();
        pool.fill(8L << 20);
        try {
            String m = expect(Status.Code.RESOURCE_EXHAUSTED, () -> create("no-space"));
            assertTrue(m.contains("pool is full"), m);
            assertEquals(before, pool.volumes());
        } finally {
            pool.unfill();
        }
        try {
            create("after-space");
        } finally {
            destroyQuietly("after-space");
        }
    }

    @Test
    void fullPoolDuringRefreshKeepsTheOldSnapshotAndLeavesNoStaging() throws Exception {
        SourceCluster big = SourceCluster.init(run.resolve("src").resolve("big"), run.resolve("src/sock"));
        big.start();
        big.sql("postgres", "CREATE TABLE filler AS SELECT g, md5(g::text) || repeat('x', 900) AS pad "
                + "FROM generate_series(1, 150000) g", "CHECKPOINT");
        big.stop();
        assertEquals(0, kopid.cli("source", "add", "big", "--datadir", big.dataDir.toString()).code());
        List<Snapshot> demoBefore = snapshotsOf("demo");
        Set<String> before = pool.volumes();
        pool.fill(64L << 20);
        try {
            Kopid.Cli r = kopid.cli("refresh", "big");
            assertEquals(1, r.code(), r.out() + r.err());
            assertTrue(r.err().contains("pool is full"), r.err());
            assertEquals(before, pool.volumes(), "no staging debris, nothing published");
            assertEquals(demoBefore, snapshotsOf("demo"), "existing snapshots untouched");
            Source s = source("big");
            assertFalse(s.getLastRefresh().getOk());
            assertTrue(s.getLastRefresh().getError().contains("pool is full"));
            assertEquals(0, s.getSnapshotCount());
        } finally {
            pool.unfill();
        }
        Kopid.Cli ok = kopid.cli("refresh", "big");
        assertEquals(0, ok.code(), ok.err());
        assertEquals(0, kopid.cli("delete-snapshot", ok.out().strip()).code());
        assertEquals(0, kopid.cli("source", "remove", "big").code());
    }

    @Test
    void deletingASnapshotWithClonesNeedsForce() throws Exception {
        String second = kopid.cli("refresh", "demo").out().strip();
        assertTrue(second.startsWith("demo@"), second);
        Clone c = kopid.clones().createClone(CreateCloneRequest.newBuilder().setSnapshot(second).setName("dep").build());
        assertEquals(second, c.getSnapshot());
        String m = expect(Status.Code.FAILED_PRECONDITION, () -> kopid.snapshots().deleteSnapshot(
                DeleteSnapshotRequest.newBuilder().setName(second).build()));
        assertTrue(m.contains("dep") && m.contains("--force"), m);
        Kopid.Cli refused = kopid.cli("delete-snapshot", second);
        assertEquals(1, refused.code());
        assertTrue(pool.exists(volumeOf(second)));

        Kopid.Cli forced = kopid.cli("delete-snapshot", second, "--force");
        assertEquals(0, forced.code(), forced.err());
        assertEquals("destroyed dep\ndeleted " + second + "\n", forced.out());
        assertFalse(pool.exists(volumeOf(second)));
        assertFalse(pool.exists("clones/dep"));
        expect(Status.Code.NOT_FOUND, () -> kopid.clones().getClone(
                dev.kopi.proto.v1.GetCloneRequest.newBuilder().setName("dep").build()));
        assertFalse(snapshotsOf("demo").stream().anyMatch(s -> s.getName().equals(second)));
    }

    // ------------------------------------------------------------------ faults

    @Test
    void killedDaemonComesBackConsistentWithTheDisk() throws Exception {
        try {
            Clone k1 = create("survivor");
            Clone k2 = create("restarted");
            try (Connection c = connect(k1.getUri()); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE marker (v text)");
                st.execute("INSERT INTO marker VALUES ('still here')");
            }
            kopid.kill9();
            // While kopid is down: its clone's postgres dies, debris appears, a record loses its volume.
            dev.kopi.sys.Posix.kill(k2.getPid(), dev.kopi.sys.Posix.SIGKILL);
            waitGone(k2.getPid());
            pool.createBehindKopisBack("staging/demo-deadbeef");
            pool.createBehindKopisBack("clones/orphan");
            addGhostCloneRecord();
            Path staleStagingSockets = Files.createDirectories(kopid.state.resolve("run/sdeadbeef"));
            Path stalePortDir = Files.createDirectories(kopid.state.resolve("run/1999"));
            Files.writeString(stalePortDir.resolve(".kopi-hba-1999.conf"), "local all all trust\n");

            kopid.start();
            List<Clone> clones = kopid.clones().listClones(ListClonesRequest.getDefaultInstance()).getClonesList();
            Set<String> names = new HashSet<>();
            clones.forEach(c -> names.add(c.getName()));
            assertTrue(names.containsAll(List.of("survivor", "restarted")), names.toString());
            assertFalse(names.contains("ghost"), "record without a volume dropped");
            assertFalse(names.contains("orphan"));
            assertFalse(pool.exists("staging/demo-deadbeef"), "staging debris removed");
            assertFalse(pool.exists("clones/orphan"), "unrecorded clone volume removed");
            assertFalse(Files.exists(staleStagingSockets), "stale staging socket dir removed");
            assertFalse(Files.exists(stalePortDir), "socket dir of no clone removed");
            for (Clone c : clones) {
                if (names.contains(c.getName()) && List.of("survivor", "restarted").contains(c.getName())) {
                    assertEquals(CloneState.CLONE_STATE_RUNNING, c.getState(), c.getName() + ": " + c.getMessage());
                }
            }
            Clone k1After = clones.stream().filter(c -> c.getName().equals("survivor")).findFirst().orElseThrow();
            assertEquals(k1.getPid(), k1After.getPid(), "a running clone is adopted, not restarted");
            try (Connection c = connect(k1.getUri()); Statement st = c.createStatement()) {
                assertEquals("still here", one(st, "SELECT v FROM marker"));
            }
            try (Connection c = connect(k2.getUri()); Statement st = c.createStatement()) {
                assertEquals(1000, count(st, "SELECT count(*) FROM customers"), "restarted with the same credentials");
            }
        } finally {
            destroyQuietly("survivor", "restarted");
        }
    }

    @Test
    void runningSourceOutsideThePoolIsRefusedWithNothingLeft() {
        Set<String> before = pool.volumes();
        demo.start();
        try {
            Kopid.Cli r = kopid.cli("refresh", "demo");
            assertEquals(1, r.code());
            assertTrue(r.err().contains("is running") && r.err().contains("stop"), r.err());
            assertEquals(before, pool.volumes());
        } finally {
            demo.stop();
        }
    }

    @Test
    void runningSourceOnThePoolIsSnapshottedNativelyAndConsistently() throws Exception {
        Path dir = pool.createExternalVolume("extsrc");
        SourceCluster live = SourceCluster.init(dir, run.resolve("src/sock"));
        live.start();
        try {
            live.sql("postgres", "CREATE TABLE events AS SELECT g AS id FROM generate_series(1, 10000) g");
            assertEquals(0, kopid.cli("source", "add", "onpool", "--datadir", dir.toString()).code());
            List<RefreshEvent> events = new ArrayList<>();
            Iterator<RefreshEvent> it = kopid.sources().refresh(RefreshRequest.newBuilder().setName("onpool").build());
            it.forEachRemaining(events::add);
            assertTrue(events.stream().anyMatch(e -> e.getPhase().equals("snapshot") && e.getMessage().contains("one "
                    + pool.backend() + " operation")), "native snapshot, not a copy: " + events);
            assertTrue(events.stream().anyMatch(e -> e.getMessage().contains("recovering")), events.toString());
            Snapshot snap = events.get(events.size() - 1).getSnapshot();
            assertEquals("onpool", snap.getSource());
            assertEquals("postgres", snap.getDatabase());
            Clone c = kopid.clones().createClone(CreateCloneRequest.newBuilder().setSnapshot("onpool").setName("live").build());
            try (Connection conn = connect(c.getUri()); Statement st = conn.createStatement()) {
                assertEquals(10000, count(st, "SELECT count(*) FROM events"));
            }
            assertTrue(live.running(), "the source kept running");
            assertEquals(0, kopid.cli("delete-snapshot", snap.getName(), "--force").code());
            assertEquals(0, kopid.cli("source", "remove", "onpool").code());
            if (pool.backend().equals("zfs")) {
                assertFalse(Sh.ok("zfs", "list", "-H", "-t", "snapshot", "-o", "name").contains("extsrc@kopi-"),
                        "the origin snapshot taken of the source is removed with the last volume using it");
            }
        } finally {
            live.stop();
        }
    }

    @Test
    void tablespaceOutsideTheDataDirectoryIsRefused() throws Exception {
        SourceCluster ts = SourceCluster.init(run.resolve("src").resolve("ts"), run.resolve("src/sock"));
        Path location = run.postgresDir("tsdir");
        ts.start();
        try {
            ts.sql("postgres", "CREATE TABLESPACE outside LOCATION '" + location + "'",
                    "CREATE TABLE t (x int) TABLESPACE outside", "INSERT INTO t VALUES (1)");
        } finally {
            ts.stop();
        }
        assertEquals(0, kopid.cli("source", "add", "ts", "--datadir", ts.dataDir.toString()).code());
        Set<String> before = pool.volumes();
        Kopid.Cli r = kopid.cli("refresh", "ts");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("tablespace") && r.err().contains(location.toString()), r.err());
        assertEquals(before, pool.volumes());
        assertEquals(0, kopid.cli("source", "remove", "ts").code());
    }

    // ------------------------------------------------------------------ surfaces

    @Test
    void refreshStreamsProgressOverGrpc() {
        List<RefreshEvent> events = new ArrayList<>();
        kopid.sources().refresh(RefreshRequest.newBuilder().setName("demo").build()).forEachRemaining(events::add);
        List<String> phases = events.stream().map(RefreshEvent::getPhase).distinct().toList();
        assertEquals(List.of("copy", "prepare", "verify", "publish", "done"), phases);
        RefreshEvent copied = events.stream().filter(e -> e.getPhase().equals("copy")).reduce((x, y) -> y).orElseThrow();
        assertTrue(copied.getBytesTotal() > 10_000_000 && copied.getBytesDone() == copied.getBytesTotal(), copied.toString());
        Snapshot s = events.get(events.size() - 1).getSnapshot();
        assertTrue(s.getLatest());
        assertEquals(s.getName(), snapshotsOf("demo").get(0).getName(), "newest first, and marked latest");
        assertEquals(0, kopid.cli("delete-snapshot", s.getName()).code());
    }

    @Test
    void sourcesSnapshotsAndStatusReport() throws Exception {
        JsonNode sources = JSON.readTree(kopid.cli("sources", "-o", "json").out());
        JsonNode d = null;
        for (JsonNode n : sources) {
            if (n.get("name").asText().equals("demo")) {
                d = n;
            }
        }
        assertTrue(d != null && d.get("kind").asText().equals("datadir") && d.get("origin").asText().equals("api"));
        assertTrue(d.get("lastRefresh").get("startedAt").asText().startsWith("20"), d.toString());
        assertTrue(d.get("snapshotCount").asInt() >= 1 && d.get("latestSnapshot").asText().startsWith("demo@"));
        JsonNode snaps = JSON.readTree(kopid.cli("snapshots", "-o", "json").out());
        assertTrue(snaps.size() >= 1 && snaps.get(0).get("sizeBytes").asLong() > 1_000_000);
        assertTrue(kopid.cli("snapshots").out().contains(" *"), "latest marked");
        JsonNode st = JSON.readTree(kopid.cli("status", "-o", "json").out());
        assertEquals(pool.backend(), st.get("backend").asText());
        assertTrue(st.get("poolSizeBytes").asLong() > 0);
        assertTrue(st.get("poolFreeBytes").asLong() < st.get("poolSizeBytes").asLong());
        assertEquals(portFirst + "-" + portLast, st.get("ports").asText());
        assertEquals(pool.backend().equals("btrfs"), !st.get("poolImage").asText().isEmpty(),
                "the Btrfs pool here is kopid's embedded image");
        assertEquals(kopid.status().getStatus(GetStatusRequest.getDefaultInstance()).getSnapshots(),
                st.get("snapshots").asInt());
    }

    @Test
    void launcherScriptsRunThePackagedJars() throws Exception {
        Path kopictl = Kopid.repo().resolve("bin/kopictl");
        Sh.Result r = Sh.run(kopictl.toString(), "--socket", kopid.socket.toString(), "clone", "demo", "--name",
                "launched", "-o", "json");
        try {
            assertEquals(0, r.code(), r.out());
            JsonNode j = JSON.readTree(r.out());
            try (Connection c = DriverManager.getConnection(j.get("jdbcUrl").asText()); Statement st = c.createStatement()) {
                assertEquals(1000, count(st, "SELECT count(*) FROM customers"));
            }
            Sh.Result status = Sh.run(kopictl.toString(), "--socket", kopid.socket.toString(), "status");
            assertEquals(0, status.code(), status.out());
            assertTrue(status.out().contains(pool.backend()), status.out());
            Sh.Result usage = Sh.run(kopictl.toString(), "--socket", kopid.socket.toString(), "clone");
            assertEquals(2, usage.code(), usage.out());
        } finally {
            destroyQuietly("launched");
        }
    }

    // ------------------------------------------------------------------ helpers

    Clone create(String name) {
        return kopid.clones().createClone(CreateCloneRequest.newBuilder().setSnapshot("demo").setName(name).build());
    }

    void destroyQuietly(String... names) {
        for (String n : names) {
            try {
                kopid.clones().destroyClone(DestroyCloneRequest.newBuilder().setName(n).build());
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                    throw e;
                }
            }
        }
    }

    List<Snapshot> snapshotsOf(String source) {
        return kopid.snapshots().listSnapshots(ListSnapshotsRequest.newBuilder().setSource(source).build())
                .getSnapshotsList().stream().map(s -> s.toBuilder().setCloneCount(0).build()).toList();
    }

    Source source(String name) {
        return kopid.sources().listSources(ListSourcesRequest.getDefaultInstance()).getSourcesList().stream()
                .filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
    }

    static String volumeOf(String snapshot) {
        String[] p = snapshot.split("@");
        return "snapshots/" + p[0] + "/" + p[1];
    }

    /** Read-only as root can observe it: writing into the snapshot fails with EROFS. */
    boolean snapshotIsReadOnly(String snapshot) {
        Sh.Result r = Sh.run("touch", pool.path(volumeOf(snapshot)).resolve("kopi-write-probe").toString());
        return !r.ok() && r.out().contains("Read-only file system");
    }

    /** Adds a clone record whose volume never existed to kopid's catalog (kopid must be stopped). */
    void addGhostCloneRecord() throws IOException {
        Path catalog = kopid.state.resolve("catalog.json");
        ObjectNode root = (ObjectNode) JSON.readTree(catalog.toFile());
        ObjectNode ghost = ((ObjectNode) root.get("clones").get("survivor")).deepCopy();
        ghost.put("name", "ghost");
        ghost.put("port", portLast);
        ((ObjectNode) root.get("clones")).set("ghost", ghost);
        JSON.writeValue(catalog.toFile(), root);
    }

    static String expect(Status.Code code, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().getDescription());
        String d = e.getStatus().getDescription();
        assertTrue(d != null && !d.isBlank() && !d.contains("\n") && !d.contains("Exception"), "one clear line: " + d);
        return d;
    }

    /** Whether something accepts TCP connections on a loopback port. */
    static boolean portAnswers(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static Connection connect(String uri) throws SQLException {
        URI u = URI.create(uri);
        String[] userInfo = u.getUserInfo().split(":", 2);
        return DriverManager.getConnection("jdbc:postgresql://" + u.getHost() + ":" + u.getPort() + u.getPath(),
                userInfo[0], userInfo[1]);
    }

    static long count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String one(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static int uidOf(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.split("\\s+")[1]);
            }
        }
        fail("no Uid line for " + pid);
        return -1;
    }

    static void waitGone(long pid) throws InterruptedException {
        for (int i = 0; i < 500 && Files.exists(Path.of("/proc/" + pid)); i++) {
            Thread.sleep(10);
        }
    }
}
