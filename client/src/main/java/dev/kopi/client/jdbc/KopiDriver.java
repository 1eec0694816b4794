package dev.kopi.client.jdbc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.logging.Logger;

import dev.kopi.client.Clone;
import dev.kopi.client.KopiClient;
import dev.kopi.client.KopiClientException;

/**
 * The JDBC driver of {@code jdbc:kopi:} URLs ({@link KopiUrl}), for tools and frameworks that take
 * only a URL: {@code jdbc:kopi:prod?ttl=30m} connects to a clone of {@code prod}, made by the
 * first connection and shared by the later ones of the same URL, and destroyed once its last
 * connection is closed (a pool closed), at JVM shutdown, or by its TTL. Service-loaded; kopid is
 * found as {@link KopiClient#connect()} finds it ({@code $KOPI_SOCKET}, {@code $KOPI_HOST}, ...),
 * or at the socket the system property {@value #SOCKET_PROPERTY} names.
 * The clone's own credentials are used: a user and password given to the driver are ignored.
 * Needs the PostgreSQL JDBC driver, which makes the connections.
 */
public final class KopiDriver implements Driver {
    /** A system property naming kopid's socket, before the environment. */
    public static final String SOCKET_PROPERTY = "kopi.socket";
    private static final KopiDriver INSTANCE = new KopiDriver(new CloneLeases(Shared::client,
            clone -> DriverManager.getConnection(clone.jdbcUrl())));

    static {
        try {
            DriverManager.registerDriver(INSTANCE);
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(INSTANCE.leases::destroyAll, "kopi-jdbc-shutdown"));
    }

    private final CloneLeases leases;

    /** For the service loader; connections go through the one registered instance. */
    public KopiDriver() {
        this(null);
    }

    KopiDriver(CloneLeases leases) {
        this.leases = leases;
    }

    private CloneLeases leases() {
        return leases != null ? leases : INSTANCE.leases;
    }

    /** The clone behind {@code url} now, or null while no connection of it is open (or lingering). */
    public static Clone cloneOf(String url) {
        return INSTANCE.leases.cloneOf(url);
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null; // DriverManager asks every driver; the others' URLs are not ours
        }
        KopiUrl parsed = KopiUrl.parse(url);
        try {
            return leases().connect(parsed);
        } catch (KopiClientException e) {
            throw new SQLException("cannot make a clone of " + parsed.snapshot() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith(KopiUrl.PREFIX);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        return new DriverPropertyInfo[0];
    }

    @Override
    public int getMajorVersion() {
        return 0;
    }

    @Override
    public int getMinorVersion() {
        return 1;
    }

    @Override
    public boolean jdbcCompliant() {
        return false; // it hands out PostgreSQL's connections, but is not itself a tested JDBC driver
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("kopi's driver logs through the PostgreSQL driver's connections");
    }

    /** One client per kopid, made at its first connection (the property may name another kopid later). */
    private static final class Shared {
        private static final Map<String, KopiClient> CLIENTS = new HashMap<>();

        static synchronized KopiClient client() {
            String socket = System.getProperty(SOCKET_PROPERTY, "");
            return CLIENTS.computeIfAbsent(socket, s -> s.isBlank() ? KopiClient.connect()
                    : KopiClient.connect(Path.of(s)));
        }
    }
}
