package dev.kopi.daemon.clone;

import java.nio.file.Path;

/**
 * Where clients reach clones, as written into their connection strings.
 *
 * @param host   host name or address
 * @param caFile when clones serve TLS, kopid's CA certificate on this host, which connection
 *               strings name as {@code sslrootcert} with {@code sslmode=verify-full}; null for
 *               plain connections (clones on loopback)
 * @param caPem  that certificate's PEM, handed to clients elsewhere; empty without TLS
 */
public record Endpoint(String host, Path caFile, String caPem) {
    /** Plain connections to {@code host}. */
    public static Endpoint plain(String host) {
        return new Endpoint(host, null, "");
    }

    public boolean tls() {
        return caFile != null;
    }
}
