package dev.kopi.daemon.rpc;

import java.nio.file.Path;
import java.util.List;

/**
 * The TCP API ({@code api:} in the config): always TLS, every call with a bearer token.
 *
 * @param host   address to listen on; null when the TCP API is off (the Unix socket stays)
 * @param port   port to listen on
 * @param cert   server certificate chain (PEM); null to have kopid's CA issue one
 * @param key    its private key (PEM); null with {@code cert}
 * @param names  further host names the issued certificate carries (those clients use)
 * @param tokens the tokens file
 */
public record ApiConfig(String host, int port, Path cert, Path key, List<String> names, Path tokens) {
    public ApiConfig {
        names = names == null ? List.of() : List.copyOf(names);
    }

    public boolean enabled() {
        return host != null;
    }

    /** HOST:PORT, IPv6 addresses in brackets. */
    public String listen() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
