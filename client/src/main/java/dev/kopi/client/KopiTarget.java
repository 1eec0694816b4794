package dev.kopi.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Where kopid is and how to prove who is calling: its Unix socket (whose file mode already says
 * who may call), or its TCP API (always TLS) with a bearer token. {@link #fromEnvironment()}
 * reads the variables kopictl, {@link KopiClient} and {@code @Kopi} share:
 * <ul>
 * <li>{@code $KOPI_HOST} (HOST:PORT) selects the TCP API; without it, {@code $KOPI_SOCKET}, else
 * {@code /run/kopi/kopi.sock};</li>
 * <li>{@code $KOPI_TOKEN}, or the file named by {@code $KOPI_TOKEN_FILE}, is the token;</li>
 * <li>{@code $KOPI_CA} names a PEM file of the CA to trust (kopid's own CA, at
 * {@code STATE/tls/ca.crt} on its host); without it the system's trusted CAs apply.</li>
 * </ul>
 */
public final class KopiTarget {
    public static final String HOST_ENV = "KOPI_HOST";
    public static final String TOKEN_ENV = "KOPI_TOKEN";
    public static final String TOKEN_FILE_ENV = "KOPI_TOKEN_FILE";
    public static final String CA_ENV = "KOPI_CA";

    private final Path socket;
    private final String host;
    private final String token;
    private final Path ca;

    private KopiTarget(Path socket, String host, String token, Path ca) {
        this.socket = socket;
        this.host = host;
        this.token = token;
        this.ca = ca;
    }

    /** kopid's Unix socket at {@code socket}. */
    public static KopiTarget socket(Path socket) {
        return new KopiTarget(Objects.requireNonNull(socket, "socket"), null, null, null);
    }

    /**
     * kopid's TCP API at {@code hostPort} (HOST:PORT, [IPV6]:PORT), over TLS, with {@code token}.
     *
     * @param ca a PEM file of the CA to trust; null for the system's trusted CAs
     */
    public static KopiTarget tcp(String hostPort, String token, Path ca) {
        Objects.requireNonNull(hostPort, "hostPort");
        if (!hostPort.matches("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9._-]+):\\d{1,5}")) {
            throw new KopiClientException(KopiClientException.Kind.INVALID_ARGUMENT, "kopid's address '" + hostPort
                    + "' is not HOST:PORT (e.g. kopi.example.com:7433)", null);
        }
        if (token == null || token.isBlank()) {
            throw new KopiClientException(KopiClientException.Kind.INVALID_ARGUMENT, "kopid at " + hostPort
                    + " needs a token: set $" + TOKEN_ENV + " or $" + TOKEN_FILE_ENV + " (kopictl: --token-file)", null);
        }
        return new KopiTarget(null, hostPort, token.strip(), ca);
    }

    /** From this process's environment; see the class description. */
    public static KopiTarget fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** From {@code env}, read as described for the class. */
    public static KopiTarget fromEnvironment(Map<String, String> env) {
        String host = blankToNull(env.get(HOST_ENV));
        if (host == null) {
            return socket(KopiChannel.defaultSocket(env.get(KopiChannel.SOCKET_ENV)));
        }
        String file = blankToNull(env.get(TOKEN_FILE_ENV));
        String token = blankToNull(env.get(TOKEN_ENV));
        if (token == null && file != null) {
            token = readToken(Path.of(file));
        }
        String ca = blankToNull(env.get(CA_ENV));
        return tcp(host, token, ca == null ? null : Path.of(ca));
    }

    /** The first line of {@code file}, without blanks: a token kept in a file, never on a command line. */
    public static String readToken(Path file) {
        try {
            String t = Files.readString(file).strip();
            int eol = t.indexOf('\n');
            return eol < 0 ? t : t.substring(0, eol).strip();
        } catch (IOException e) {
            throw new KopiClientException(KopiClientException.Kind.INVALID_ARGUMENT, "cannot read the token file "
                    + file + ": " + e.getMessage(), e);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** Whether this is the TCP API (else the Unix socket). */
    public boolean remote() {
        return host != null;
    }

    /** The Unix socket; null for the TCP API. */
    public Path socketPath() {
        return socket;
    }

    /** HOST:PORT of the TCP API; null for the Unix socket. */
    public String host() {
        return host;
    }

    String token() {
        return token;
    }

    /** The CA file to trust; null for the system's (or for the Unix socket). */
    public Path ca() {
        return ca;
    }

    /** Where this points, for messages: the socket path or HOST:PORT. Never the token. */
    @Override
    public String toString() {
        return remote() ? host : socket.toString();
    }
}
