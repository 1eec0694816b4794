package dev.kopi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.CreateSnapshotRequest;
import dev.kopi.proto.v1.Snapshot;

/**
 * The clone holder as the threat model has them: hostile, their clone's Postgres superuser, able
 * to run any program as their clone's OS identity. Each test plays one attack, as that identity
 * (found from the clone's postmaster, used through setpriv) or through SQL, and asserts that it
 * reaches nothing else while the clone keeps working.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class HostileHolderIT {
    private static final String PROD_SECRET = "prod-Secret-42";

    RunDir run;
    Pool pool;
    Kopid kopid;
    SourceCluster prod;
    Clone mine;
    Clone theirs;
    String snapshot;

    abstract Pool createPool(RunDir run);

    @BeforeAll
    void setUp() throws Exception {
        run = RunDir.create();
        prod = SourceCluster.init(run.postgresDir("src").resolve("prod"), run.resolve("src/sock")).start().seed();
        prod.sql("postgres", "CREATE ROLE app_login LOGIN PASSWORD '" + PROD_SECRET + "'");
        prod.stop();
        pool = createPool(run);
        int portFirst = 20000 + ThreadLocalRandom.current().nextInt(0, 800) * 50;
        kopid = new Kopid(run, pool, portFirst, portFirst + 19).start();
        snapshot = kopid.addDatadirSource("prod", prod.dataDir);
        mine = clone("mine");
        theirs = clone("theirs");
    }

    @AfterAll
    void tearDown() {
        Teardown.everything(run, kopid, pool, prod);
    }

    Clone clone(String name) {
        return kopid.clones().createClone(CreateCloneRequest.newBuilder().setSnapshot("prod").setName(name).build());
    }

    /** The OS identity the holder of {@code c} can run programs as. */
    static int uidOf(Clone c) throws Exception {
        return KopiFlowsIT.uidOf(c.getPid());
    }

    /** {@code argv} run as the holder of {@code c} would run it: their clone's uid, no groups. */
    static Sh.Result as(Clone c, String... argv) throws Exception {
        int uid = uidOf(c);
        List<String> l = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
                "--"));
        l.addAll(List.of(argv));
        return Sh.run(l);
    }

    static Connection connect(Clone c) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + c.getPort() + "/" + c.getDatabase(),
                c.getUser(), c.getPassword());
    }

    static String one(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    void assertStillWorks(Clone c) throws SQLException {
        try (Connection conn = connect(c); Statement st = conn.createStatement()) {
            assertEquals("1", one(st, "SELECT 1"));
        }
    }

    // ------------------------------------------------------------------ as the clone's OS identity

    @Test
    void eachHolderHasAnIdentityOfTheirOwnThatIsNotRootNorPostgresNorTheOther() throws Exception {
        int uid = uidOf(mine);
        assertNotEquals(0, uid);
        assertNotEquals(uidOf(theirs), uid);
        assertNotEquals(((Number) Files.getAttribute(prod.dataDir, "unix:uid")).intValue(), uid,
                "not the identity refreshes and sources run as");
        try (Connection c = connect(mine); Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE whoami (uid text)");
            st.execute("COPY whoami FROM PROGRAM 'id -u'");
            assertEquals(Integer.toString(uid), one(st, "SELECT uid FROM whoami"),
                    "COPY ... FROM PROGRAM runs as the clone's own identity");
        }
    }

    @Test
    void anotherClonesFilesSocketAndProcessesAreOutOfReach() throws Exception {
        Path theirDir = Path.of(theirs.getPath());
        for (String[] attack : List.of(
                new String[] {"cat", theirDir.resolve("PG_VERSION").toString()},
                new String[] {"ls", theirDir.toString()},
                new String[] {"touch", theirDir.resolve("planted").toString()},
                // below a clone's root everything is open (a snapshot is readied so, and a clone
                // is given by its root alone): the root is the one barrier, and it holds
                new String[] {"cat", theirDir.resolve("global/pg_control").toString()},
                new String[] {"sh", "-c", "echo x >> " + theirDir.resolve("global/pg_control")},
                new String[] {"touch", theirDir.resolve("base/planted").toString()},
                new String[] {"ls", kopid.state.resolve("run").resolve(Integer.toString(theirs.getPort())).toString()},
                new String[] {"cat", "/proc/" + theirs.getPid() + "/environ"},
                new String[] {"kill", "-STOP", Long.toString(theirs.getPid())},
                new String[] {"psql", "-h", kopid.state.resolve("run").resolve(Integer.toString(theirs.getPort()))
                        .toString(), "-p", Integer.toString(theirs.getPort()), "-U", "postgres", "-c", "select 1",
                        "postgres"})) {
            Sh.Result r = as(mine, attack);
            assertNotEquals(0, r.code(), String.join(" ", attack) + " worked: " + r.out());
        }
        assertFalse(Files.exists(theirDir.resolve("planted")));
        assertFalse(Files.exists(theirDir.resolve("base/planted")));
        assertEquals("rwxrwxrwx", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                theirDir.resolve("global"))), "the attacks above met the root alone");
        assertStillWorks(theirs);
        assertStillWorks(mine);
    }

    @Test
    void snapshotsStagingAndKopidsStateAreOutOfReach() throws Exception {
        Path snap = pool.path(KopiFlowsIT.volumeOf(snapshot));
        for (String[] attack : List.of(
                new String[] {"cat", snap.resolve("PG_VERSION").toString()},
                new String[] {"ls", snap.toString()},
                new String[] {"cat", snap.resolve("global/pg_control").toString()},
                new String[] {"sh", "-c", "echo x >> " + snap.resolve("global/pg_control")},
                new String[] {"ls", snap.getParent().getParent().toString()},
                new String[] {"ls", pool.path("staging").toString()},
                new String[] {"ls", pool.path("clones").toString()},
                new String[] {"cat", kopid.state.resolve("catalog.json").toString()},
                new String[] {"ls", kopid.state.resolve("logs").toString()},
                new String[] {"touch", kopid.state.resolve("hba").resolve(mine.getPort() + ".conf").toString()},
                new String[] {"ls", prod.dataDir.toString()})) {
            Sh.Result r = as(mine, attack);
            assertNotEquals(0, r.code(), String.join(" ", attack) + " worked: " + r.out());
        }
        assertStillWorks(mine);
    }

    @Test
    void aSuperuserOfOneCloneCannotReadAnotherThroughThePostgresServer() throws Exception {
        try (Connection c = connect(mine); Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE loot (line text)");
            SQLException e = assertThrows(SQLException.class, () -> st.execute("COPY loot FROM '"
                    + Path.of(theirs.getPath()).resolve("postgresql.auto.conf") + "'"));
            assertTrue(e.getMessage().contains("ermission denied"), e.getMessage());
        }
        assertStillWorks(mine);
    }

    // ------------------------------------------------------------------ roles

    @Test
    void productionPasswordHashesDoNotReachClones() throws Exception {
        try (Connection c = connect(mine); Statement st = c.createStatement()) {
            assertEquals("1", one(st, "SELECT count(*) FROM pg_roles WHERE rolname = 'app_login'"), "the role came along");
            assertNull(one(st, "SELECT rolpassword FROM pg_authid WHERE rolname = 'app_login'"), "without its hash");
        }
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + mine.getPort() + "/postgres", "app_login", PROD_SECRET).close());
        assertEquals("28000", e.getSQLState(), "a production role does not log in to a clone");
    }

    @Test
    void aRolePlantedInACloneLogsInNowhereOverTcp() throws Exception {
        try (Connection c = connect(mine); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE planted LOGIN SUPERUSER PASSWORD 'planted-pw'");
        }
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + mine.getPort() + "/postgres", "planted", "planted-pw").close());
        assertEquals("28000", e.getSQLState(), "only the clone's own role logs in over TCP");
    }

    // ------------------------------------------------------------------ snapshots of a clone

    @Test
    void linksPlantedInACloneDoNotCarryHostFilesIntoASnapshotOfIt() throws Exception {
        Clone branchSource = clone("planter");
        try {
            Path dir = Path.of(branchSource.getPath());
            // as the holder: links to host files, and a directory's worth of them
            assertEquals(0, as(branchSource, "ln", "-s", "/etc/shadow", dir.resolve("shadow").toString()).code());
            assertEquals(0, as(branchSource, "ln", "-s", "/etc", dir.resolve("base").resolve("etc").toString()).code());
            Snapshot s = kopid.snapshots().createSnapshot(CreateSnapshotRequest.newBuilder()
                    .setClone("planter").setName("planted").build());
            Path copy = pool.path(KopiFlowsIT.volumeOf(s.getName()));
            assertFalse(Files.exists(copy.resolve("shadow"), LinkOption.NOFOLLOW_LINKS), "the link was dropped");
            assertFalse(Files.exists(copy.resolve("base/etc"), LinkOption.NOFOLLOW_LINKS));
            try (Stream<Path> all = Files.walk(copy)) {
                assertTrue(all.noneMatch(Files::isSymbolicLink), "no link at all but tablespaces");
            }
            int refreshUid = ((Number) Files.getAttribute(copy, "unix:uid")).intValue();
            assertNotEquals(uidOf(branchSource), refreshUid, "the copy is no longer the holder's");
            Clone fromBranch = kopid.clones().createClone(CreateCloneRequest.newBuilder().setSnapshot("planted")
                    .setName("from-planted").build());
            assertStillWorks(fromBranch);
            kopid.cli("destroy", "from-planted");
            kopid.cli("delete-snapshot", s.getName());
        } finally {
            kopid.cli("destroy", "planter");
        }
    }

    /**
     * A holder plants code that Postgres runs on their data: a passphrase command in their
     * postgresql.auto.conf (run at every start of a copy of it), and a view shadowing the catalog
     * view that kopid's snapshot of a clone queries, through a search_path set on the bootstrap
     * superuser. kopid starts Postgres on that data to take the snapshot, and again to read the
     * snapshot's schema for a diff. The code runs there as a throwaway identity, never as the
     * refresh identity (which could read every snapshot), reaches no snapshot, and nothing it
     * leaves running outlives the copy.
     */
    @Test
    void codeAHolderPlantsInTheirDataRunsAsAGuestThatReachesNothing() throws Exception {
        Clone trap = clone("trapper");
        Path probes = Files.createTempDirectory("kopi-probes");
        String made = null;
        try {
            Files.setPosixFilePermissions(probes, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path log = Files.createFile(probes.resolve("log")); // each probe may run as another uid
            Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-rw-rw-"));
            Path snapshotFile = pool.path(KopiFlowsIT.volumeOf(snapshot)).resolve("PG_VERSION");
            // Wherever it runs: who it is, whether a snapshot is within reach, and a process left behind.
            String probe = "echo $(id -u) $(cat " + snapshotFile + " >/dev/null 2>&1 && echo read || echo denied) >> "
                    + log + "; sleep 300 </dev/null >/dev/null 2>&1 &";
            Path dir = Path.of(trap.getPath());
            Sh.Result key = as(trap, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-passout", "pass:kopi",
                    "-keyout", dir.resolve("trap.key").toString(), "-out", dir.resolve("trap.crt").toString(),
                    "-subj", "/CN=trap", "-days", "2");
            assertEquals(0, key.code(), key.out());
            try (Connection conn = connect(trap); Statement st = conn.createStatement()) {
                st.execute("ALTER SYSTEM SET ssl = on");
                st.execute("ALTER SYSTEM SET ssl_cert_file = 'trap.crt'");
                st.execute("ALTER SYSTEM SET ssl_key_file = 'trap.key'");
                st.execute("ALTER SYSTEM SET ssl_passphrase_command = '" + probe + " echo kopi'");
            }
            // kopid's last statements on a snapshot's copy run in template1
            try (Connection conn = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + trap.getPort()
                    + "/template1", trap.getUser(), trap.getPassword()); Statement st = conn.createStatement()) {
                st.execute("CREATE SCHEMA trap");
                st.execute("CREATE FUNCTION trap.probe() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN "
                        + "COPY (SELECT 1) TO PROGRAM '" + probe + "'; RETURN true; END $$");
                st.execute("CREATE VIEW trap.pg_replication_slots AS SELECT NULL::name AS slot_name "
                        + "WHERE NOT trap.probe()");
                st.execute("DO $$ BEGIN EXECUTE format('ALTER ROLE %I SET search_path = trap, pg_catalog', "
                        + "(SELECT rolname FROM pg_authid WHERE oid = 10)); END $$");
            }
            assertEquals(0, Files.size(log), "nothing ran yet");

            Snapshot s = kopid.snapshots().createSnapshot(CreateSnapshotRequest.newBuilder()
                    .setClone("trapper").setName("trapped").build());
            made = s.getName();
            List<String> ran = Files.readAllLines(log);
            assertEquals(2, ran.size(), "the passphrase command at the copy's start and the view: " + ran);
            assertReachedNothing(ran, trap);

            Kopid.Cli diff = kopid.cli("diff", "trapper", "--against", made);
            assertEquals(0, diff.code(), diff.err());
            List<String> all = Files.readAllLines(log);
            assertEquals(3, all.size(), "the passphrase command at the start of the snapshot's private copy: " + all);
            assertReachedNothing(all, trap);
            assertStillWorks(trap);
        } finally {
            if (made != null) {
                kopid.cli("delete-snapshot", made, "--force");
            }
            kopid.cli("destroy", "trapper");
            try (Stream<Path> files = Files.list(probes)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.delete(f);
                }
            }
            Files.delete(probes);
        }
    }

    /** Each line a probe wrote: a uid that is neither root, the refresh identity nor the holder's, denied, and gone. */
    void assertReachedNothing(List<String> lines, Clone holder) throws Exception {
        int postgresUid = Integer.parseInt(Sh.run("id", "-u", "postgres").out().strip());
        for (String line : lines) {
            String[] f = line.strip().split(" ");
            int uid = Integer.parseInt(f[0]);
            assertNotEquals(0, uid, line);
            assertNotEquals(postgresUid, uid, "ran as the refresh identity: " + line);
            assertNotEquals(uidOf(holder), uid, line);
            assertEquals("denied", f[1], "reached a snapshot: " + line);
            assertFalse(anyProcessOf(uid), "what it left running as " + uid + " is gone");
        }
    }

    // ------------------------------------------------------------------ what the holder leaves running

    /**
     * Whether any process runs with real uid {@code uid}. Zombies do not count (pgrep would count
     * them): they run nothing, and wait only for their new parent, init, to reap them.
     */
    static boolean anyProcessOf(int uid) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                if (!p.getFileName().toString().matches("\\d+")) {
                    continue;
                }
                List<String> status;
                try {
                    status = Files.readAllLines(p.resolve("status"));
                } catch (IOException gone) {
                    continue;
                }
                boolean zombie = status.stream().anyMatch(l -> l.startsWith("State:") && l.contains("Z ("));
                boolean his = status.stream().anyMatch(l -> l.startsWith("Uid:")
                        && l.substring(4).strip().split("\\s+")[0].equals(Integer.toString(uid)));
                if (his && !zombie) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * kill(2) returns once SIGSTOP is queued; the target stops only when it is next scheduled, so
     * its /proc state may still read S for a moment.
     */
    static boolean stopsWithin(long pid, long millis) throws Exception {
        long end = System.nanoTime() + millis * 1_000_000;
        while (!stopped(pid)) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    static boolean stopped(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("State:")) {
                return line.substring(6).strip().startsWith("T");
            }
        }
        return false;
    }

    @Test
    void whatAHolderLeavesRunningGoesWithTheirClone() throws Exception {
        Clone c = clone("leaver");
        int uid = uidOf(c);
        try {
            try (Connection conn = connect(c); Statement st = conn.createStatement()) {
                st.execute("CREATE TEMP TABLE started (x text)");
                // a program that leaves the instance's session and would outlive it
                st.execute("COPY started FROM PROGRAM 'setsid sleep 600 </dev/null >/dev/null 2>&1 & echo ok'");
            }
            assertEquals(0, Sh.run("pgrep", "-U", Integer.toString(uid), "-x", "sleep").code(),
                    "the holder's program runs");
        } finally {
            assertEquals(0, kopid.cli("destroy", "leaver").code());
        }
        assertFalse(anyProcessOf(uid), "nothing the holder started outlives the clone (nor reaches the next clone "
                + "given uid " + uid + ")");
    }

    @Test
    void aHolderWhoFreezesTheirInstanceHoldsUpNoOneAndTheirCloneStillGoes() throws Exception {
        Clone c = clone("frozen");
        int uid = uidOf(c);
        boolean destroyed = false;
        try {
            // every process of the identity stopped: the postmaster and its children alike
            // procps-ng 4.0's kill(1) exits 1 after kill(-1, SIGSTOP) succeeded: its state says what happened
            as(c, "kill", "-STOP", "-1");
            assertTrue(stopsWithin(c.getPid(), 5_000), "the postmaster is frozen");

            long t0 = System.nanoTime();
            Kopid.Cli list = kopid.cli("clones");
            assertEquals(0, list.code(), list.err());
            assertTrue(list.out().contains("frozen"), list.out());
            Clone next = clone("after-freeze");
            assertStillWorks(next);
            assertStillWorks(mine);
            assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "others are served while it is frozen");
            kopid.cli("destroy", "after-freeze");

            long t1 = System.nanoTime();
            Kopid.Cli destroy = kopid.cli("destroy", "frozen");
            long ms = (System.nanoTime() - t1) / 1_000_000;
            assertEquals(0, destroy.code(), destroy.err());
            destroyed = true;
            // stop_timeout is 10 s: without continuing the frozen processes a fast shutdown would
            // wait it out, twice
            assertTrue(ms < 8_000, "destroyed in " + ms + " ms");
            assertFalse(anyProcessOf(uid), "no process of the frozen clone is left");
        } finally {
            if (!destroyed) {
                Sh.run("pkill", "-KILL", "-U", Integer.toString(uid));
                kopid.cli("destroy", "frozen");
            }
        }
    }
}
