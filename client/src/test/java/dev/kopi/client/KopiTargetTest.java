package dev.kopi.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KopiTargetTest {
    @TempDir
    Path tmp;

    @Test
    void withoutAHostItIsTheSocket() {
        KopiTarget t = KopiTarget.fromEnvironment(Map.of("KOPI_SOCKET", "/x/k.sock", "KOPI_TOKEN", "kopi_x"));
        assertFalse(t.remote());
        assertEquals(Path.of("/x/k.sock"), t.socketPath());
        assertEquals(Path.of("/run/kopi/kopi.sock"), KopiTarget.fromEnvironment(Map.of("KOPI_HOST", " ")).socketPath());
    }

    @Test
    void aHostTakesTheTokenFromTheVariableOrItsFileAndTheCa() throws Exception {
        Path file = Files.writeString(tmp.resolve("token"), "kopi_fromfile\nignored\n");
        KopiTarget t = KopiTarget.fromEnvironment(Map.of("KOPI_HOST", "kopi.example.test:7433",
                "KOPI_TOKEN_FILE", file.toString(), "KOPI_CA", "/etc/kopi/ca.crt"));
        assertTrue(t.remote());
        assertEquals("kopi.example.test:7433", t.host());
        assertEquals("kopi_fromfile", t.token());
        assertEquals(Path.of("/etc/kopi/ca.crt"), t.ca());
        assertEquals("kopi.example.test:7433", t.toString(), "never the token");
        KopiTarget direct = KopiTarget.fromEnvironment(Map.of("KOPI_HOST", "[::1]:7433", "KOPI_TOKEN", "kopi_env",
                "KOPI_TOKEN_FILE", file.toString()));
        assertEquals("kopi_env", direct.token(), "the variable wins over the file");
        assertNull(direct.ca());
    }

    @Test
    void aHostWithoutATokenOrABadAddressIsRefusedWithWhatToDo() {
        KopiClientException none = assertThrows(KopiClientException.class,
                () -> KopiTarget.fromEnvironment(Map.of("KOPI_HOST", "h:1")));
        assertTrue(none.getMessage().contains("$KOPI_TOKEN"), none.getMessage());
        KopiClientException bad = assertThrows(KopiClientException.class, () -> KopiTarget.tcp("h", "kopi_x", null));
        assertEquals(KopiClientException.Kind.INVALID_ARGUMENT, bad.kind());
        KopiClientException missing = assertThrows(KopiClientException.class,
                () -> KopiTarget.fromEnvironment(Map.of("KOPI_HOST", "h:1", "KOPI_TOKEN_FILE", tmp.resolve("no").toString())));
        assertTrue(missing.getMessage().contains("cannot read the token file"), missing.getMessage());
    }

    @Test
    void aTlsClonesStringsPointAtTheLocalCopyOfTheCa() {
        String url = "jdbc:postgresql://h:1/app?user=u&password=p&sslmode=verify-full&sslrootcert=/var/lib/kopi/tls/ca.crt";
        assertEquals("jdbc:postgresql://h:1/app?user=u&password=p&sslmode=verify-full&sslrootcert=/home/me/ca.crt",
                CaCertificate.pointTo(url, Path.of("/home/me/ca.crt")));
        assertEquals("postgresql://u:p@h:1/app", CaCertificate.pointTo("postgresql://u:p@h:1/app", Path.of("/x")));
    }
}
