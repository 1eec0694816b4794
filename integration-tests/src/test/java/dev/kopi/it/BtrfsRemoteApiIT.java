package dev.kopi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

import dev.kopi.cli.KopiCtl;
import dev.kopi.client.Clone;
import dev.kopi.client.KopiClient;
import dev.kopi.client.KopiClientException;
import dev.kopi.client.KopiTarget;
import dev.kopi.client.SchemaDiff;
import dev.kopi.proto.v1.GetStatusRequest;
import dev.kopi.proto.v1.ListClonesRequest;
import dev.kopi.proto.v1.StatusServiceGrpc;

/**
 * Issue 11's remote API on a real kopid (Btrfs pool): TLS with kopid's own CA, bearer tokens
 * with admin and user roles, clones that serve TLS and connection strings that verify them,
 * kopictl and the example JUnit project over TCP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BtrfsRemoteApiIT {
    RunDir run;
    Pool pool;
    Kopid kopid;
    SourceCluster demo;
    String api;
    Path ca;
    String home;
    Token alice;
    Token bob;
    Token ops;

    /** A token's secret, and a file holding it (what --token-file and kopi.token-file take). */
    record Token(String secret, Path file) {
    }

    @BeforeAll
    void setUp() throws Exception {
        run = RunDir.create();
        // The client keeps kopid's CA below ~/.kopi; keep it in the run directory.
        home = System.getProperty("user.home");
        System.setProperty("user.home", run.resolve("home").toString());
        demo = SourceCluster.demo(run);
        pool = new BtrfsPool(run);
        int portFirst = 20000 + ThreadLocalRandom.current().nextInt(0, 800) * 50;
        api = "127.0.0.1:" + freePort();
        // Clones listen beyond loopback, so they serve TLS and pg_hba admits only TLS from outside.
        kopid = new Kopid(run, pool, portFirst, portFirst + 19, "  listen: 0.0.0.0\n  host: 127.0.0.1\n",
                "api:\n  listen: " + api + "\n").start();
        kopid.addDatadirSource("demo", demo.dataDir);
        ca = kopid.state.resolve("tls/ca.crt");
        alice = token("alice", "user");
        bob = token("bob", "user");
        ops = token("ops", "admin");
    }

    private Token token(String name, String role) throws Exception {
        Kopid.Cli made = kopid.cli("token", "create", name, "--role", role);
        assertEquals(0, made.code(), made.err());
        String secret = made.out().strip();
        Path file = run.resolve(name + ".token");
        Files.writeString(file, secret + "\n");
        return new Token(secret, file);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @AfterEach
    void destroyClones() {
        kopid.destroyAllClones();
    }

    @AfterAll
    void tearDown() {
        System.setProperty("user.home", home);
        Teardown.everything(run, kopid, pool, demo);
    }

    private KopiClient client(Token t) {
        return KopiClient.connect(KopiTarget.tcp(api, t.secret(), ca));
    }

    @Test
    void usersReachTheirOwnClonesAdminsAllAndTokensAreNeverShownAgain() {
        try (KopiClient a = client(alice); KopiClient b = client(bob); KopiClient admin = client(ops)) {
            Clone mine = a.newClone("demo").name("alice-1").create();
            b.newClone("demo").name("bob-1").create();
            assertEquals("alice", kopid.clones().getClone(dev.kopi.proto.v1.GetCloneRequest.newBuilder()
                    .setName("alice-1").build()).getOwner());

            KopiClientException denied = assertThrows(KopiClientException.class, () -> b.getClone("alice-1"));
            assertEquals(KopiClientException.Kind.PERMISSION_DENIED, denied.kind());
            assertTrue(denied.getMessage().contains("not yours"), denied.getMessage());
            assertEquals(List.of("bob-1"), b.clones().stream().map(c -> c.name()).toList());
            assertEquals(List.of("alice-1", "bob-1"), admin.clones().stream().map(c -> c.name()).sorted().toList());
            assertEquals("alice-1", admin.getClone("alice-1").name(), "admins reach every clone");

            // Schema diffs: a user's own clones only, through the client and kopictl alike.
            SchemaDiff own = a.diff("alice-1");
            assertTrue(own.isEmpty(), own.text());
            KopiClientException notTheirs = assertThrows(KopiClientException.class, () -> b.diff("alice-1"));
            assertEquals(KopiClientException.Kind.PERMISSION_DENIED, notTheirs.kind());
            Kopid.Cli diff = tcpCli(bob, "diff", "alice-1", "--exit-code");
            assertEquals(2, diff.code(), diff.err());
            assertTrue(diff.err().contains("not yours"), diff.err());
            assertEquals(0, tcpCli(alice, "diff", "alice-1", "--exit-code").code());

            Kopid.Cli refresh = tcpCli(bob, "refresh", "demo");
            assertEquals(1, refresh.code());
            assertTrue(refresh.err().contains("needs an admin token"), refresh.err());
            Kopid.Cli list = kopid.cli("token", "list", "-o", "json");
            assertEquals(0, list.code());
            for (Token t : List.of(alice, bob, ops)) {
                assertFalse(list.out().contains(t.secret()), "no secret in token list");
            }
            assertTrue(list.out().contains("\"alice\"") && list.out().contains("\"admin\""), list.out());

            mine.close();
            assertEquals(List.of("bob-1"), admin.clones().stream().map(c -> c.name()).toList());
        }
    }

    @Test
    void aRevokedTokenAMissingOneAndAWrongCaAreRefused() throws Exception {
        Token carol = token("carol", "user");
        try (KopiClient c = client(carol)) {
            assertEquals("carol", c.status().caller());
            assertEquals(0, kopid.cli("token", "revoke", "carol").code());
            KopiClientException refused = assertThrows(KopiClientException.class, c::clones);
            assertEquals(KopiClientException.Kind.UNAUTHENTICATED, refused.kind());
        }
        // TLS, the right CA, but no token at all
        ManagedChannel bare = NettyChannelBuilder.forTarget(api,
                TlsChannelCredentials.newBuilder().trustManager(ca.toFile()).build()).build();
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> StatusServiceGrpc
                    .newBlockingStub(bare).getStatus(GetStatusRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        } finally {
            bare.shutdownNow();
        }
        // Another CA: the client must not trust kopid (nor send it the token)
        Path otherKey = run.resolve("other-ca.key");
        Path otherCa = run.resolve("other-ca.crt");
        Sh.ok("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                otherKey.toString(), "-out", otherCa.toString(), "-subj", "/CN=not kopi", "-days", "1");
        try (KopiClient wrongCa = KopiClient.connect(KopiTarget.tcp(api, ops.secret(), otherCa))) {
            KopiClientException e = assertThrows(KopiClientException.class, wrongCa::clones);
            assertEquals(KopiClientException.Kind.UNAVAILABLE, e.kind());
        }
        assertEquals(0, kopid.clones().listClones(ListClonesRequest.getDefaultInstance()).getClonesCount());
    }

    @Test
    void aCloneServesTlsThatJdbcAndPsqlVerifyAndRefusesPlainConnectionsFromOutside() throws Exception {
        try (KopiClient a = client(alice)) {
            Clone c = a.newClone("demo").name("tls-1").create();
            assertTrue(c.jdbcUrl().contains("sslmode=verify-full"), c.jdbcUrl());
            Path local = Path.of(System.getProperty("user.home"), ".kopi", "ca");
            assertTrue(c.uri().contains("sslrootcert=" + local), "the client's own copy of the CA: " + c.uri());
            try (Connection db = c.dataSource().getConnection(); Statement st = db.createStatement()) {
                assertEquals("t", KopiFlowsIT.one(st, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"));
                assertEquals(5000, KopiFlowsIT.count(st, "SELECT count(*) FROM orders"));
            }
            Sh.Result psql = Sh.run("psql", c.uri(), "-Atc", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
            assertEquals(0, psql.code(), psql.out());
            assertEquals("t", psql.out().strip());
            Sh.Result plain = Sh.run("psql", c.uri().replace("sslmode=verify-full", "sslmode=disable"), "-Atc", "SELECT 1");
            assertEquals(0, plain.code(), "loopback may still connect without TLS: " + plain.out());

            // Each clone has a key of its own, which its identity reads and no other clone's does.
            try (KopiClient b = client(bob)) {
                Clone theirs = b.newClone("demo").name("tls-2").create();
                long pid = kopid.clones().getClone(dev.kopi.proto.v1.GetCloneRequest.newBuilder().setName("tls-1")
                        .build()).getPid();
                String uid = Sh.ok("ps", "-o", "uid=", "-p", Long.toString(pid)).strip();
                Sh.Result own = Sh.run("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "cat",
                        kopid.state.resolve("certs/" + c.port() + ".key").toString());
                assertEquals(0, own.code(), own.out());
                Sh.Result other = Sh.run("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "cat",
                        kopid.state.resolve("certs/" + theirs.port() + ".key").toString());
                assertTrue(other.code() != 0 && other.out().contains("Permission denied"), other.out());
                assertFalse(other.out().contains("PRIVATE KEY"), other.out());
                // Nor kopid's CA key (it would sign a certificate for anything) or the token hashes.
                for (String secret : List.of("tls/ca.key", "tokens.yaml")) {
                    Sh.Result r = Sh.run("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "cat",
                            kopid.state.resolve(secret).toString());
                    assertTrue(r.code() != 0 && r.out().contains("Permission denied"), secret + ": " + r.out());
                }
            }

            Optional<String> outside = outsideAddress();
            if (outside.isPresent()) {
                String there = "jdbc:postgresql://" + outside.get() + ":" + c.port() + "/" + c.database();
                SQLException refused = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                        there + "?sslmode=disable", c.user(), c.password()).close());
                assertTrue(refused.getMessage().contains("pg_hba.conf"), refused.getMessage());
                try (Connection db = DriverManager.getConnection(there + "?sslmode=require", c.user(), c.password())) {
                    assertTrue(db.isValid(5));
                }
            }
        }
    }

    @Test
    void kopictlWorksOverTcpAndWritesTheCaWhereAsked() throws Exception {
        Path caFile = run.resolve("my-ca.pem");
        Kopid.Cli made = tcpCli(alice, "clone", "demo", "--name", "cli-1", "--ca-file", caFile.toString());
        assertEquals(0, made.code(), made.err());
        assertTrue(made.out().contains("sslrootcert=" + caFile), made.out());
        assertEquals(Files.readString(ca), Files.readString(caFile));
        Sh.Result psql = Sh.run("psql", made.out().strip(), "-Atc", "SELECT count(*) FROM orders");
        assertEquals("5000", psql.out().strip(), psql.out());

        Kopid.Cli env = tcpCli(alice, "env", "cli-1", "--ca-file", caFile.toString());
        assertTrue(env.out().contains("PGSSLMODE='verify-full'") && env.out().contains("PGSSLROOTCERT='" + caFile + "'"),
                env.out());
        Kopid.Cli pinned = tcpCli(alice, "ca");
        assertEquals(Files.readString(ca), pinned.out(), "the CA through the API is the one on kopid's host");
        Kopid.Cli status = tcpCli(alice, "status");
        assertTrue(status.out().contains("alice (user)") && status.out().contains(api), status.out());
        Kopid.Cli clones = tcpCli(alice, "clones");
        assertTrue(clones.out().contains("cli-1") && clones.out().contains("alice"), clones.out());
        Kopid.Cli bare = KopiCtlRun.run(List.of("--host", api, "--ca", ca.toString(), "clones"), Map.of());
        assertEquals(1, bare.code());
        assertTrue(bare.err().contains("needs a token"), bare.err());
    }

    @Test
    void theExampleProjectRunsUnchangedAgainstTheTcpApi() {
        EngineExecutionResults r = EngineTestKit.engine("junit-jupiter")
                .configurationParameters(Map.of("kopi.host", api, "kopi.token-file", alice.file().toString(),
                        "kopi.ca", ca.toString(), "kopi.snapshot", "demo"))
                .selectors(selectClass("com.example.IsolationTest"), selectClass("com.example.SharedCloneTest"))
                .execute();
        r.testEvents().assertStatistics(s -> s.failed(0).aborted(0));
        assertTrue(r.testEvents().succeeded().count() >= 5, "the example's tests ran");
        assertEquals(0, kopid.clones().listClones(ListClonesRequest.getDefaultInstance()).getClonesCount(),
                "every clone the example took is destroyed");
    }

    private Kopid.Cli tcpCli(Token t, String... args) {
        List<String> argv = new ArrayList<>(List.of("--host", api, "--token-file", t.file().toString(), "--ca",
                ca.toString()));
        Collections.addAll(argv, args);
        return KopiCtlRun.run(argv, Map.of());
    }

    /** An IPv4 address of this machine beyond loopback, if it has one. */
    private static Optional<String> outsideAddress() throws Exception {
        for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!n.isUp() || n.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(n.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    return Optional.of(a.getHostAddress());
                }
            }
        }
        return Optional.empty();
    }

    /** kopictl in this JVM with an environment of the test's choosing. */
    static final class KopiCtlRun {
        static Kopid.Cli run(List<String> args, Map<String, String> env) {
            StringWriter o = new StringWriter();
            StringWriter e = new StringWriter();
            int code = KopiCtl.run(args.toArray(String[]::new), new PrintWriter(o), new PrintWriter(e), env);
            return new Kopid.Cli(code, o.toString(), e.toString());
        }
    }
}
