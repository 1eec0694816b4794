package dev.kopi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
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
        assertStillWorks(theirs);
        assertStillWorks(mine);
    }

    @Test
    void snapshotsStagingAndKopidsStateAreOutOfReach() throws Exception {
        Path snap = pool.path(KopiFlowsIT.volumeOf(snapshot));
        for (String[] attack : List.of(
                new String[] {"cat", snap.resolve("PG_VERSION").toString()},
                new String[] {"ls", snap.toString()},
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
}
