package dev.kopi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.DestroyCloneRequest;

/**
 * A kopid with {@code postgres.superuser: false} and per-clone limits (memory and processes,
 * through cgroups): the clone's role reads and writes all data and cannot make itself more, and
 * each instance runs inside its limits. On the embedded Btrfs pool (the backend does not matter
 * here).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BtrfsLimitedRoleIT {
    private static final long MEMORY = 256L << 20;
    private static final int PROCESSES = 64;

    RunDir run;
    Pool pool;
    Kopid kopid;
    SourceCluster demo;

    @BeforeAll
    void setUp() throws Exception {
        run = RunDir.create();
        demo = SourceCluster.demo(run);
        pool = new BtrfsPool(run);
        int portFirst = 20000 + ThreadLocalRandom.current().nextInt(0, 800) * 50;
        kopid = new Kopid(run, pool, portFirst, portFirst + 9,
                "  superuser: false\n  memory_max: 256M\n  processes_max: " + PROCESSES + "\n").start();
        kopid.addDatadirSource("demo", demo.dataDir);
    }

    @AfterAll
    void tearDown() {
        Teardown.everything(run, kopid, pool, demo);
    }

    private Clone create(String name) {
        return kopid.clones().createClone(CreateCloneRequest.newBuilder().setSnapshot("demo").setName(name).build());
    }

    private static Connection connect(Clone c) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + c.getPort() + "/" + c.getDatabase(),
                c.getUser(), c.getPassword());
    }

    @Test
    void theRoleUsesTheDataButCannotMakeItselfMore() throws Exception {
        Clone c = create("limited");
        try (Connection conn = connect(c); Statement st = conn.createStatement()) {
            try (var rs = st.executeQuery("SELECT count(*) FROM customers")) {
                assertTrue(rs.next() && rs.getInt(1) > 0, "it reads all data");
            }
            st.execute("UPDATE customers SET name = name WHERE id = 1");
            for (String escalation : List.of(
                    "GRANT pg_execute_server_program TO " + c.getUser(),
                    "ALTER ROLE " + c.getUser() + " SUPERUSER",
                    "CREATE ROLE helper",
                    "COPY customers TO PROGRAM 'id'",
                    "SET ROLE postgres")) {
                SQLException e = assertThrows(SQLException.class, () -> st.execute(escalation), escalation);
                assertTrue(e.getSQLState().startsWith("42"), escalation + ": " + e.getMessage());
            }
            try (var rs = st.executeQuery("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")) {
                assertTrue(rs.next());
                assertFalse(rs.getBoolean(1));
            }
        } finally {
            kopid.clones().destroyClone(DestroyCloneRequest.newBuilder().setName("limited").build());
        }
    }

    @Test
    void eachInstanceRunsInsideItsOwnLimits() throws Exception {
        Clone c = create("bounded");
        String group = "kopi/" + c.getPort();
        try {
            List<String> cgroups = Files.readAllLines(Path.of("/proc", Long.toString(c.getPid()), "cgroup"));
            Path memory;
            Path pids;
            if (Files.exists(Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
                    && cgroups.stream().anyMatch(l -> l.contains(":memory:"))) {
                memory = Path.of("/sys/fs/cgroup/memory", group);
                pids = Path.of("/sys/fs/cgroup/pids", group);
                assertTrue(cgroups.stream().anyMatch(l -> l.contains(":memory:/" + group)), cgroups.toString());
                assertTrue(cgroups.stream().anyMatch(l -> l.contains(":pids:/" + group)), cgroups.toString());
                assertEquals(Long.toString(MEMORY), Files.readString(memory.resolve("memory.limit_in_bytes")).strip());
            } else {
                Path root = Files.exists(Path.of("/sys/fs/cgroup/cgroup.procs")) ? Path.of("/sys/fs/cgroup")
                        : Path.of("/sys/fs/cgroup/unified");
                memory = root.resolve(group);
                pids = memory;
                assertTrue(cgroups.stream().anyMatch(l -> l.startsWith("0::") && l.endsWith("/" + group)),
                        cgroups.toString());
                assertEquals(Long.toString(MEMORY), Files.readString(memory.resolve("memory.max")).strip());
            }
            assertEquals(Integer.toString(PROCESSES), Files.readString(pids.resolve("pids.max")).strip());
            List<String> members = Files.readAllLines(pids.resolve("cgroup.procs"));
            assertTrue(members.size() > 3, "the postmaster and its children: " + members);
            // the holder, as their clone's identity, tries to lift the limits or leave the group
            int uid = KopiFlowsIT.uidOf(c.getPid());
            Path limitFile = pids.resolve("pids.max");
            Path outside = pids.getParent().getParent().resolve("cgroup.procs");
            for (String script : List.of("echo max > " + limitFile, "echo " + c.getPid() + " > " + outside,
                    "echo $$ > " + outside, "mkdir " + pids.resolve("escape"))) {
                Sh.Result r = Sh.run("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--", "sh", "-c",
                        script);
                assertNotEquals(0, r.code(), script + " worked");
            }
            assertEquals(Integer.toString(PROCESSES), Files.readString(limitFile).strip());
            assertTrue(Files.readAllLines(pids.resolve("cgroup.procs")).contains(Long.toString(c.getPid())),
                    "the postmaster is still inside its group");
            try (Connection conn = connect(c); Statement st = conn.createStatement()) {
                st.execute("SELECT 1"); // works inside its limits
            }
            kopid.clones().destroyClone(DestroyCloneRequest.newBuilder().setName("bounded").build());
            assertFalse(Files.exists(memory), "its group goes with it");
        } finally {
            try {
                kopid.clones().destroyClone(DestroyCloneRequest.newBuilder().setName("bounded").build());
            } catch (RuntimeException gone) {
                // destroyed above
            }
        }
    }
}
