package dev.kopi.daemon.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SignatureException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
    @TempDir
    Path tmp;

    @Test
    void itIsMadeOnceWithAPrivateKeyAndKeptAcrossRestarts() throws Exception {
        Path dir = tmp.resolve("tls");
        CertificateAuthority ca = CertificateAuthority.open(dir, Clock.systemUTC());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.crt"))));
        assertEquals(ca.certificatePem(), Files.readString(ca.certificateFile()));
        assertEquals(ca.certificatePem(), CertificateAuthority.open(dir, Clock.systemUTC()).certificatePem());
        X509Certificate root = Pem.certificates(ca.certificatePem(), "ca").get(0);
        assertEquals(0, root.getBasicConstraints(), "a CA that signs servers only");
    }

    @Test
    void aKeyWithoutItsCertificateIsMadeAgain() throws Exception {
        Path dir = tmp.resolve("tls");
        String first = CertificateAuthority.open(dir, Clock.systemUTC()).certificatePem();
        Files.delete(dir.resolve("ca.crt"));
        assertTrue(!first.equals(CertificateAuthority.open(dir, Clock.systemUTC()).certificatePem()));
    }

    @Test
    void issuedCertificatesNameTheirHostsAndAreSignedByTheCaOnly() throws Exception {
        CertificateAuthority ca = CertificateAuthority.open(tmp.resolve("tls"), Clock.systemUTC());
        Issued server = ca.issue(List.of("db.example.test", "10.1.2.3", "::1"), Duration.ofDays(30));
        X509Certificate leaf = server.chain().get(0);
        X509Certificate root = Pem.certificates(ca.certificatePem(), "ca").get(0);
        leaf.verify(root.getPublicKey());
        assertThrows(SignatureException.class, () -> leaf.verify(
                Pem.certificates(CertificateAuthority.open(tmp.resolve("other"), Clock.systemUTC()).certificatePem(), "o")
                        .get(0).getPublicKey()));
        Set<String> names = new HashSet<>();
        for (List<?> n : leaf.getSubjectAlternativeNames()) {
            names.add(n.get(0) + ":" + n.get(1));
        }
        assertTrue(names.contains("2:db.example.test"), names.toString()); // dNSName
        assertTrue(names.contains("7:10.1.2.3"), names.toString()); // iPAddress
        assertTrue(names.stream().anyMatch(n -> n.startsWith("7:0:0:0:0:0:0:0:1")), names.toString());
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), leaf.getExtendedKeyUsage()); // serverAuth
        assertEquals(-1, leaf.getBasicConstraints(), "not a CA");
        assertEquals(server.key().getAlgorithm(), Pem.privateKey(server.keyPem(), "key").getAlgorithm());
        assertTrue(server.chainPem().endsWith(ca.certificatePem()), "the chain ends with the CA");
    }

    @Test
    void hostNamesPutTheWantedFirstAndDropWildcards() {
        List<String> names = CertificateAuthority.hostNames(List.of("0.0.0.0", "kopi.example.test", "*"));
        assertEquals("kopi.example.test", names.get(0));
        assertTrue(names.containsAll(List.of("localhost", "127.0.0.1", "::1")), names.toString());
        assertTrue(!names.contains("0.0.0.0") && !names.contains("*"), names.toString());
    }
}
