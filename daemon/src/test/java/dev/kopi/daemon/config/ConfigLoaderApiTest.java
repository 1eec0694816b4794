package dev.kopi.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.rpc.ApiConfig;

/** The api: section (TCP API, TLS, tokens) and when kopid needs its CA. */
class ConfigLoaderApiTest {
    @Test
    void theTcpApiIsOffByDefaultAndTokensLiveInTheStateDirectory() {
        Config c = ConfigLoader.defaults();
        assertFalse(c.api().enabled());
        assertEquals(Path.of("/var/lib/kopi/tokens.yaml"), c.api().tokens());
        assertFalse(c.needsCertificateAuthority(), "loopback clones and no TCP API: no CA");
    }

    @Test
    void listenCertificateNamesAndTokensAreRead() {
        ApiConfig a = ConfigLoader.parse("api:\n  listen: '[::]:7433'\n  tls:\n    names: [kopi.example.test]\n"
                + "  tokens: /etc/kopi/tokens.yaml\n", "t").api();
        assertEquals("::", a.host());
        assertEquals(7433, a.port());
        assertEquals("[::]:7433", a.listen());
        assertEquals(List.of("kopi.example.test"), a.names());
        assertNull(a.cert());
        assertEquals(Path.of("/etc/kopi/tokens.yaml"), a.tokens());
        assertTrue(ConfigLoader.parse("api:\n  listen: 0.0.0.0:7433\n", "t").needsCertificateAuthority());
        assertFalse(ConfigLoader.parse("api:\n  listen: 0.0.0.0:7433\n  tls:\n    cert: /c.pem\n    key: /k.pem\n", "t")
                .needsCertificateAuthority(), "a configured certificate needs no CA of kopid's");
        assertTrue(ConfigLoader.parse("postgres:\n  listen: '*'\n", "t").needsCertificateAuthority(), "TLS clones");
    }

    @ParameterizedTest
    @ValueSource(strings = {"api:\n  listen: 7433\n", "api:\n  listen: host:99999\n", "api:\n  listen: 'a b:1'\n",
            "api:\n  listen: 0.0.0.0:0\n", "api:\n  tls:\n    cert: /c.pem\n", "api:\n  tokens: relative.yaml\n",
            "api:\n  token: /x\n", "api:\n  tls:\n    names: ['bad name']\n"})
    void badValuesAreRefusedNamingTheKey(String yaml) {
        KopiException e = assertThrows(KopiException.class, () -> ConfigLoader.parse(yaml, "t"));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("api"), e.getMessage());
    }
}
