package dev.kopi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.kopi.client.FakeKopid;
import dev.kopi.client.KopiChannel;
import dev.kopi.proto.v1.GetStatusRequest;
import dev.kopi.proto.v1.Status;

/** --socket, else $KOPI_SOCKET, else /run/kopi/kopi.sock; clear one-line errors when kopid is not there. */
class SocketTest extends FakeKopidTestBase {
    private static final Status STATUS = Status.newBuilder().setVersion("0.1.0").setBackend("btrfs").build();

    @Test
    void socketOptionBeatsEnvironment() throws Exception {
        try (FakeKopid other = FakeKopid.onSocket(dir.resolve("other.sock"))) {
            kopid.reply("GetStatus", STATUS);
            other.reply("GetStatus", STATUS);
            Map<String, String> env = Map.of("KOPI_SOCKET", other.socket.toString());

            CliRun before = CliRun.kopictl(env, "--socket", kopid.socket.toString(), "status");
            CliRun after = CliRun.kopictl(env, "status", "--socket", kopid.socket.toString());

            assertEquals(0, before.code(), before::toString);
            assertEquals(0, after.code(), after::toString);
            assertEquals(2, kopid.requests(GetStatusRequest.class).size());
            assertEquals(List.of(), other.requests());
        }
    }

    @Test
    void environmentIsUsedWithoutSocketOption() throws Exception {
        kopid.reply("GetStatus", STATUS);

        CliRun r = CliRun.kopictl(Map.of("KOPI_SOCKET", kopid.socket.toString()), "status");

        assertEquals(0, r.code(), r::toString);
        assertEquals(1, kopid.requests(GetStatusRequest.class).size());
    }

    @Test
    void defaultSocketWithoutOptionOrEnvironment() {
        assertEquals(Path.of("/run/kopi/kopi.sock"), new KopiCtl(Map.of()).target().socketPath());
        assertEquals(Path.of("/run/kopi/kopi.sock"), new KopiCtl(Map.of("KOPI_SOCKET", "")).target().socketPath());
        assertEquals(Path.of("/x/y.sock"), new KopiCtl(Map.of("KOPI_SOCKET", "/x/y.sock")).target().socketPath());
        assumeFalse(Files.exists(KopiChannel.DEFAULT_SOCKET), "a real kopid socket exists on this machine");

        CliRun r = CliRun.kopictl(Map.of(), "status");

        assertEquals(1, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("/run/kopi/kopi.sock"), r::toString);
        assertEquals(List.of(), kopid.requests());
    }

    @Test
    void missingSocketNamesThePathAndHowToChooseAnother() {
        Path nowhere = dir.resolve("nowhere.sock");

        CliRun r = CliRun.kopictl(Map.of(), "--socket", nowhere.toString(), "clones");

        assertEquals(1, r.code(), r::toString);
        assertEquals("", r.out());
        assertEquals(1, r.errLines().size(), r::toString);
        String line = r.errLines().get(0);
        assertTrue(line.startsWith("kopictl: "), line);
        assertTrue(line.contains(nowhere.toString()), line);
        assertTrue(line.contains("--socket"), line);
        assertTrue(line.contains("KOPI_SOCKET"), line);
    }

    @Test
    void staleSocketNobodyListensOn() throws Exception {
        Path stale = dir.resolve("stale.sock");
        try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(stale));
        }
        assertTrue(Files.exists(stale), "closing a bound Unix server socket leaves its file behind");

        assertCannotReach(CliRun.kopictl(Map.of("KOPI_SOCKET", stale.toString()), "clones"), stale);
    }

    @Test
    void regularFileInsteadOfSocket() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-socket"), "hello");

        assertCannotReach(CliRun.kopictl(Map.of(), "--socket", file.toString(), "status"), file);
    }

    private static void assertCannotReach(CliRun r, Path socket) {
        assertEquals(1, r.code(), r::toString);
        assertEquals("", r.out());
        assertEquals(1, r.errLines().size(), r::toString);
        String line = r.errLines().get(0);
        assertTrue(line.startsWith("kopictl: cannot reach kopid"), line);
        assertTrue(line.contains(socket.toString()), line);
        assertFalse(line.contains("Exception"), line);
    }
}
