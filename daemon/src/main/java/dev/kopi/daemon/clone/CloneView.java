package dev.kopi.daemon.clone;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import dev.kopi.daemon.catalog.CloneRecord;

/**
 * A clone as callers see it: its record plus live state and connection strings.
 *
 * @param record  the persisted record
 * @param state   RUNNING, FAILED (volume kept, instance down) or DESTROYING
 * @param message why it is not running, when it is not
 * @param pid     postmaster pid, 0 when not running
 * @param path    its data directory
 * @param endpoint where clients reach it: host, and TLS
 * @param readyMs request-to-ready time, on create only (else 0)
 * @param lastActive the last time a client session was seen, or the clone was made or reset
 * @param idleTimeout the idle timeout in force for it (zero = never reaped for idleness)
 * @param usedBytes bytes it wrote beyond its snapshot; -1 when the pool cannot tell
 */
public record CloneView(CloneRecord record, State state, String message, long pid, Path path, Endpoint endpoint,
                        long readyMs, Instant lastActive, Duration idleTimeout, long usedBytes) {
    public CloneView(CloneRecord record, State state, String message, long pid, Path path, Endpoint endpoint,
                     long readyMs) {
        this(record, state, message, pid, path, endpoint, readyMs, null, Duration.ZERO, -1);
    }

    /** Lifecycle as reported to callers. */
    public enum State { CREATING, RUNNING, FAILED, DESTROYING, RESETTING }

    public String host() {
        return endpoint.host();
    }

    /** libpq's URI; with TLS, verify-full against kopid's CA. */
    public String uri() {
        return "postgresql://" + record.user() + ":" + record.password() + "@" + hostForUri() + ":" + record.port()
                + "/" + pathEncode(record.database()) + (endpoint.tls() ? "?" + tlsParameters() : "");
    }

    /** pgjdbc's URL; with TLS, verify-full against kopid's CA (pgjdbc reads the same parameters as libpq). */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + hostForUri() + ":" + record.port() + "/" + pathEncode(record.database())
                + "?user=" + record.user() + "&password=" + record.password() + (endpoint.tls() ? "&" + tlsParameters() : "");
    }

    private String tlsParameters() {
        return "sslmode=verify-full&sslrootcert=" + pathEncode(endpoint.caFile().toString()).replace("%2F", "/");
    }

    private String hostForUri() {
        String host = endpoint.host();
        return host.contains(":") ? "[" + host + "]" : host;
    }

    /** Percent-encodes everything but RFC 3986 unreserved characters. */
    static String pathEncode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%7E", "~");
    }
}
