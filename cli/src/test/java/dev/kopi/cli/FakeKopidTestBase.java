package dev.kopi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.client.FakeKopid;
import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CloneState;

/** Starts a {@link FakeKopid} on a socket in a temp dir per test; runs kopictl with KOPI_SOCKET pointing at it. */
abstract class FakeKopidTestBase {
    static final String PASSWORD = "Zq9-UNIQUE-pw-7f3a";

    /** Netty warns that SO_KEEPALIVE does not apply to Unix sockets; kopictl's main() silences JUL too. */
    private static final Logger NETTY_LOG = Logger.getLogger("io.grpc.netty.shaded.io.netty");

    static {
        NETTY_LOG.setLevel(Level.SEVERE);
    }

    @TempDir
    Path dir;

    FakeKopid kopid;

    @BeforeEach
    void startKopid() throws IOException {
        kopid = FakeKopid.onSocket(dir.resolve("kopi.sock"));
    }

    @AfterEach
    void stopKopid() {
        if (kopid != null) {
            kopid.close();
        }
    }

    CliRun kopictl(String... args) {
        return CliRun.kopictl(Map.of("KOPI_SOCKET", kopid.socket.toString()), args);
    }

    /** Exit 1, nothing on stdout, exactly the one line "kopictl: MESSAGE" on stderr. */
    static void assertFailure(CliRun r, String message) {
        assertEquals(1, r.code(), r::toString);
        assertEquals("", r.out(), r::toString);
        assertEquals("kopictl: " + message + System.lineSeparator(), r.err(), r::toString);
        assertFalse(r.err().contains("Exception"), r::toString);
    }

    static Clone clone(String name, int port, String password) {
        String user = "kopi_" + name.replace('-', '_');
        return Clone.newBuilder()
                .setName(name)
                .setSnapshot("prod@20261123T0200Z")
                .setHost("127.0.0.1")
                .setPort(port)
                .setUser(user)
                .setPassword(password)
                .setDatabase("app")
                .setUri("postgresql://" + user + ":" + password + "@127.0.0.1:" + port + "/app")
                .setJdbcUrl("jdbc:postgresql://127.0.0.1:" + port + "/app?user=" + user + "&password=" + password)
                .setReadyMs(87)
                .setState(CloneState.CLONE_STATE_RUNNING)
                .setCreatedAt("2026-11-23T02:05:00.123Z")
                .setPid(4242)
                .setPostgresVersion("15.8")
                .setPath("/var/lib/kopi/pool/clones/" + name)
                .build();
    }
}
