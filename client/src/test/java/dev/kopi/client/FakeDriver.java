package dev.kopi.client;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * A JDBC driver for {@code jdbc:postgresql://fakehost...} only (so clones on other hosts have no
 * driver, like a classpath without pgjdbc). Its connections do nothing but record how they were
 * opened and whether they were closed.
 */
public final class FakeDriver implements Driver {
    static final String PREFIX = "jdbc:postgresql://fakehost:";

    /** What one connect() was given, and whether the connection was closed. */
    public record Opened(String url, Properties info, AtomicBoolean closed) {
        public String user() {
            return info.getProperty("user");
        }

        public String password() {
            return info.getProperty("password");
        }
    }

    /** Every connection opened, in order. */
    public static final List<Opened> OPENED = new CopyOnWriteArrayList<>();

    static {
        try {
            DriverManager.registerDriver(new FakeDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Registers the driver (once). */
    public static void register() {
        // the static initializer does it
    }

    /** How {@code connection} was opened. */
    public static Opened opened(Connection connection) {
        return OPENED.stream().filter(o -> o == proxyInfo(connection)).findFirst()
                .orElseThrow(() -> new AssertionError("not a FakeDriver connection: " + connection));
    }

    private static Opened proxyInfo(Connection c) {
        try {
            return c.unwrap(Opened.class);
        } catch (SQLException e) {
            return null;
        }
    }

    @Override
    public Connection connect(String url, Properties info) {
        if (!acceptsURL(url)) {
            return null;
        }
        Properties copy = new Properties();
        copy.putAll(info);
        Opened o = new Opened(url, copy, new AtomicBoolean());
        OPENED.add(o);
        return (Connection) Proxy.newProxyInstance(FakeDriver.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "close" -> {
                        o.closed().set(true);
                        yield null;
                    }
                    case "isClosed" -> o.closed().get();
                    case "unwrap" -> o;
                    case "isWrapperFor" -> args[0] == Opened.class;
                    case "toString" -> "FakeConnection[" + url + "]";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith(PREFIX);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        return new DriverPropertyInfo[0];
    }

    @Override
    public int getMajorVersion() {
        return 1;
    }

    @Override
    public int getMinorVersion() {
        return 0;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }
}
