package dev.kopi.daemon.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kopi.daemon.logging.LogFormat;
import dev.kopi.daemon.postgres.PostgresConfig;

/**
 * The {@code metrics:} and {@code log:} sections: how kopid is watched. Parsed apart from the
 * rest of {@link ConfigLoader} because they configure kopid itself, not its clones.
 */
final class WatchingConfig {
    /** HOST:PORT, the host a name, an IPv4 address or a bracketed IPv6 address. */
    private static final Pattern LISTEN = Pattern.compile("(\\[[0-9A-Fa-f:.%a-z0-9]+]|[A-Za-z0-9][A-Za-z0-9.-]*):(\\d{1,5})");

    private WatchingConfig() {
    }

    /** {@code metrics.listen}: where /metrics and /healthz are served; null (off) when not set. */
    static InetSocketAddress metricsListen(ConfigSection metrics, PostgresConfig postgres) {
        metrics.keys(Set.of("listen"));
        String listen = metrics.text("listen", null);
        if (listen == null || listen.isEmpty()) {
            return null;
        }
        String key = metrics.prefix + "listen";
        Matcher m = LISTEN.matcher(listen);
        if (!m.matches()) {
            throw metrics.bad(key, "'" + listen + "' is not HOST:PORT, e.g. 127.0.0.1:9433");
        }
        int port = Integer.parseInt(m.group(2));
        if (port < 1 || port > 65535) {
            throw metrics.bad(key, "port " + port + " is not within 1-65535");
        }
        if (port >= postgres.portFirst() && port <= postgres.portLast()) {
            throw metrics.bad(key, "port " + port + " is in postgres.ports (" + postgres.ports()
                    + "), where clones listen");
        }
        String host = m.group(1).startsWith("[") ? m.group(1).substring(1, m.group(1).length() - 1) : m.group(1);
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw metrics.bad(key, "host '" + host + "' cannot be resolved");
        }
    }

    /** {@code log.format}: text (the default) or json. */
    static LogFormat logFormat(ConfigSection log) {
        log.keys(Set.of("format"));
        String format = log.text("format", "text");
        return LogFormat.of(format).orElseThrow(() -> log.bad(log.prefix + "format", "'" + format
                + "' is not text or json"));
    }
}
