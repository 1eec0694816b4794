package dev.kopi.daemon.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import dev.kopi.daemon.core.KopiException;

/**
 * A certificate kopid issued or was given, with its private key.
 *
 * @param key   the private key
 * @param chain the certificate first, then what vouches for it (kopid's CA, when it issued it)
 */
public record Issued(PrivateKey key, List<X509Certificate> chain) {
    public Issued {
        chain = List.copyOf(chain);
    }

    /** A certificate chain and its key given as PEM files (api.tls.cert and api.tls.key). */
    public static Issued load(Path certFile, Path keyFile) {
        String pem;
        try {
            pem = Files.readString(certFile);
        } catch (IOException e) {
            throw KopiException.invalid("cannot read certificate file " + certFile + ": " + e.getMessage());
        }
        return new Issued(Pem.readPrivateKey(keyFile), Pem.certificates(pem, certFile.toString()));
    }

    /** The chain as PEM, the certificate first. */
    public String chainPem() {
        StringBuilder b = new StringBuilder();
        chain.forEach(c -> b.append(Pem.certificate(c)));
        return b.toString();
    }

    public String keyPem() {
        return Pem.privateKey(key);
    }
}
