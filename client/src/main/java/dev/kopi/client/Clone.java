package dev.kopi.client;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * A running clone: a PostgreSQL instance of its own on a copy-on-write copy of a snapshot.
 * Gives its connection details ({@link #jdbcUrl()}, {@link #dataSource()}, ...), throws away
 * its changes ({@link #reset()}) and destroys it ({@link #close()}), so that
 *
 * <pre>{@code
 * try (Clone db = kopi.clone("prod")) { ... }
 * }</pre>
 *
 * never leaves a clone behind. Thread-safe. {@link #toString()} never shows the password.
 */
public final class Clone implements AutoCloseable {
    private final KopiClient client;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile dev.kopi.proto.v1.Clone state;
    private volatile DataSource dataSource;

    Clone(KopiClient client, dev.kopi.proto.v1.Clone state) {
        this.client = client;
        this.state = state;
    }

    /** The clone's name, unique on its kopid. */
    public String name() {
        return state.getName();
    }

    /** The exact snapshot it was made from, {@code SOURCE@TAG}. */
    public String snapshot() {
        return state.getSnapshot();
    }

    /** The host its Postgres listens on. */
    public String host() {
        return state.getHost();
    }

    /** The port its Postgres listens on. */
    public int port() {
        return state.getPort();
    }

    /** The role to log in as (it owns the database). */
    public String user() {
        return state.getUser();
    }

    /** The role's password. */
    public String password() {
        return state.getPassword();
    }

    /** The database to connect to. */
    public String database() {
        return state.getDatabase();
    }

    /** A libpq URI with credentials: {@code postgresql://USER:PASSWORD@HOST:PORT/DATABASE}. */
    public String uri() {
        String uri = state.getUri();
        if (!uri.isEmpty()) {
            return local(uri);
        }
        return "postgresql://" + encode(user()) + ":" + encode(password()) + "@" + hostForUrl() + ":" + port()
                + "/" + encode(database());
    }

    /**
     * A JDBC URL with credentials, as kopid gives it:
     * {@code jdbc:postgresql://HOST:PORT/DATABASE?user=USER&password=PASSWORD}.
     */
    public String jdbcUrl() {
        String url = state.getJdbcUrl();
        if (!url.isEmpty()) {
            return local(url);
        }
        return baseJdbcUrl() + "?user=" + encode(user()) + "&password=" + encode(password());
    }

    /**
     * A {@link DataSource} for this clone over {@link java.sql.DriverManager}: bring a JDBC driver
     * for PostgreSQL (e.g. {@code org.postgresql:postgresql}). Each {@code getConnection()}
     * opens a new connection; close it when done. Pools can use {@link #jdbcUrl()} instead.
     */
    public DataSource dataSource() {
        DataSource ds = dataSource;
        if (ds == null) {
            ds = new CloneDataSource(jdbcUrlWithoutCredentials(), user(), password());
            dataSource = ds;
        }
        return ds;
    }

    /**
     * Throws away every change: the clone's data goes back to its snapshot. Name, port and
     * credentials stay, but open connections are cut: reconnect afterwards.
     *
     * @return this clone
     * @throws IllegalStateException if the clone was closed
     */
    public Clone reset() {
        if (closed.get()) {
            throw new IllegalStateException("clone " + name() + " was destroyed; it cannot be reset");
        }
        state = client.reset(name());
        return this;
    }

    /**
     * Moves the clone's expiry {@code by} further out (kopid caps it at its maximum TTL).
     *
     * @return this clone, with its new expiry in {@link #expiresAt()}
     */
    public Clone extend(Duration by) {
        state = client.extend(name(), Durations.format(Objects.requireNonNull(by, "by")));
        return this;
    }

    /** Exempts the clone from expiry and idle reaping, or ({@code false}) ends that. Needs an admin. */
    public Clone protect(boolean on) {
        state = client.protect(name(), on);
        return this;
    }

    /** When kopid destroys the clone unless extended; empty when it never expires (no TTL, or protected). */
    public Optional<Instant> expiresAt() {
        String at = state.getExpiresAt();
        return at.isEmpty() ? Optional.empty() : Optional.of(Timestamps.parse(at));
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Destroys the clone: its Postgres is stopped and its data deleted. Idempotent; a clone that
     * is already gone (e.g. destroyed by kopid's reaper after its TTL) is not an error.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            client.destroy(name());
        } catch (RuntimeException e) {
            closed.set(false); // still there: a later close can try again
            throw e;
        }
    }

    /**
     * Destroys the clone in the background, off the caller's path; the future completes when it
     * is gone. Idempotent. {@link KopiClient#close()} waits for pending destroys, and a destroy
     * that fails leaves the clone to its TTL.
     */
    public CompletableFuture<Void> closeAsync() {
        if (closed.get()) {
            return CompletableFuture.completedFuture(null);
        }
        return client.destroyLater(name(), this::close);
    }

    @Override
    public String toString() {
        return "Clone[" + name() + " of " + snapshot() + " at " + hostForUrl() + ":" + port() + "/" + database()
                + ", user " + user() + (closed.get() ? ", destroyed" : "") + "]";
    }

    // ------------------------------------------------------------------ helpers

    /** {@link #jdbcUrl()} without {@code user} and {@code password}, keeping any other parameters. */
    /**
     * {@code url} with {@code sslrootcert} naming this machine's copy of kopid's CA, for a TLS
     * clone (the path kopid gives is on its own host).
     */
    private String local(String url) {
        String pem = state.getCaCertificate();
        return pem.isEmpty() ? url : CaCertificate.pointTo(url, CaCertificate.store(pem));
    }

    String jdbcUrlWithoutCredentials() {
        String url = local(state.getJdbcUrl());
        if (url.isEmpty()) {
            return baseJdbcUrl();
        }
        int q = url.indexOf('?');
        if (q < 0) {
            return url;
        }
        String kept = Arrays.stream(url.substring(q + 1).split("&"))
                .filter(p -> !p.isEmpty())
                .filter(p -> {
                    String key = p.contains("=") ? p.substring(0, p.indexOf('=')) : p;
                    return !key.equals("user") && !key.equals("password");
                })
                .collect(Collectors.joining("&"));
        return kept.isEmpty() ? url.substring(0, q) : url.substring(0, q) + "?" + kept;
    }

    private String baseJdbcUrl() {
        return "jdbc:postgresql://" + hostForUrl() + ":" + port() + "/" + encode(database());
    }

    private String hostForUrl() {
        return host().contains(":") ? "[" + host() + "]" : host();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%7E", "~");
    }
}
