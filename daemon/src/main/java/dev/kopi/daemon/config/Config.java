package dev.kopi.daemon.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;

import dev.kopi.daemon.clone.ClonePolicy;
import dev.kopi.daemon.logging.LogFormat;
import dev.kopi.daemon.postgres.PostgresConfig;
import dev.kopi.daemon.rpc.ApiConfig;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.PoolConfig;

/**
 * kopid's configuration, validated once by {@link ConfigLoader} and immutable afterwards.
 *
 * @param socket      the gRPC Unix socket
 * @param socketGroup group allowed to use the socket (mode 0660); null keeps root's group
 * @param state       where the catalog, instance logs and runtime files live
 * @param pool        the copy-on-write storage
 * @param postgres    how clone instances run
 * @param clones      clone lifetimes and limits
 * @param sources     sources defined in the file, by name
 * @param metrics     where /metrics and /healthz are served (metrics.listen); null when off
 * @param logFormat   how log lines are written on stderr (log.format)
 * @param api         the TCP API (TLS, tokens); off unless {@code api.listen} is set
 */
public record Config(Path socket, String socketGroup, Path state, PoolConfig pool, PostgresConfig postgres,
                     ClonePolicy clones, Map<String, Source> sources, InetSocketAddress metrics, LogFormat logFormat,
                     ApiConfig api) {

    public Path catalogFile() {
        return state.resolve("catalog.json");
    }

    /** Where kopid's certificate authority lives (when the TCP API or TLS clones need one). */
    public Path tlsDirectory() {
        return state.resolve("tls");
    }

    /** Whether anything needs kopid's CA: the TCP API without a certificate of its own, or TLS clones. */
    public boolean needsCertificateAuthority() {
        return (api.enabled() && api.cert() == null) || postgres.tls();
    }

}
