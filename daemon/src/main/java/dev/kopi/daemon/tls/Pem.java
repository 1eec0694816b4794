package dev.kopi.daemon.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import dev.kopi.daemon.core.KopiException;

/** PEM text of certificates and private keys, in the forms OpenSSL, Postgres, libpq, pgjdbc and gRPC read. */
public final class Pem {
    private Pem() {
    }

    public static String certificate(X509Certificate cert) {
        try {
            return block("CERTIFICATE", cert.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("a certificate that cannot be encoded", e);
        }
    }

    /** PKCS#8 ("PRIVATE KEY"), which every reader here accepts whatever the key's algorithm. */
    public static String privateKey(PrivateKey key) {
        return block("PRIVATE KEY", key.getEncoded());
    }

    private static String block(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** The certificates in {@code pem}, in order (a chain starts with its leaf). */
    public static List<X509Certificate> certificates(String pem, String origin) {
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            List<X509Certificate> out = new ArrayList<>();
            for (var c : f.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw KopiException.invalid(origin + " holds no PEM certificate");
            }
            return out;
        } catch (CertificateException e) {
            throw KopiException.invalid(origin + " is not a PEM certificate: " + e.getMessage());
        }
    }

    /** A private key in any PEM form OpenSSL writes: PKCS#8, or traditional EC and RSA keys. */
    public static PrivateKey readPrivateKey(Path file) {
        try {
            return privateKey(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw KopiException.invalid("cannot read key file " + file + ": " + e.getMessage());
        }
    }

    static PrivateKey privateKey(String pem, String origin) {
        try (Reader r = new StringReader(pem); PEMParser p = new PEMParser(r)) {
            Object o = p.readObject();
            JcaPEMKeyConverter convert = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                return convert.getKeyPair(pair).getPrivate();
            }
            if (o instanceof PrivateKeyInfo info) {
                return convert.getPrivateKey(info);
            }
            throw KopiException.invalid(origin + " holds no unencrypted PEM private key");
        } catch (IOException e) {
            throw KopiException.invalid(origin + " is not a PEM private key: " + e.getMessage());
        }
    }
}
