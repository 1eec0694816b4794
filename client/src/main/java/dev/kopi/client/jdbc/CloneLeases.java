package dev.kopi.client.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.kopi.client.Clone;
import dev.kopi.client.KopiClient;
import dev.kopi.client.NewClone;
import dev.kopi.client.migrate.FlywayMigrations;
import dev.kopi.client.migrate.LiquibaseMigrations;

/**
 * The clones behind {@code jdbc:kopi:} URLs, one per URL, counted by open connections. The first
 * connection of a URL makes its clone; later ones reuse it; when the last one closes and none
 * opens within the URL's {@code linger} (a pool being closed, not one reconnecting) the clone is
 * destroyed. JVM shutdown destroys what is left, and each clone's TTL is the backstop.
 */
final class CloneLeases {
    /** Opens a JDBC connection to a clone (the PostgreSQL driver, in production). */
    interface Connector {
        Connection open(Clone clone) throws SQLException;
    }

    private final Supplier<KopiClient> client;
    private final Connector connector;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kopi-jdbc-linger");
        t.setDaemon(true);
        return t;
    });
    /** Guarded by this. */
    private final Map<String, Lease> leases = new HashMap<>();

    private static final class Lease {
        final Clone clone;
        int open;
        ScheduledFuture<?> destroy;

        Lease(Clone clone) {
            this.clone = clone;
        }
    }

    CloneLeases(Supplier<KopiClient> client, Connector connector) {
        this.client = client;
        this.connector = connector;
    }

    /** A connection to the clone of {@code url}, made first if there is none. */
    Connection connect(KopiUrl url) throws SQLException {
        Lease lease;
        synchronized (this) {
            lease = leases.get(url.text());
            if (lease == null) {
                // Made under the lock: a pool opening ten connections at once must make one clone.
                lease = new Lease(make(url));
                leases.put(url.text(), lease);
            }
            if (lease.destroy != null) {
                lease.destroy.cancel(false);
                lease.destroy = null;
            }
            lease.open++;
        }
        try {
            return counted(connector.open(lease.clone), url, lease);
        } catch (SQLException | RuntimeException e) {
            release(url, lease);
            throw e;
        }
    }

    private Clone make(KopiUrl url) {
        KopiClient kopi = client.get();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        String snapshot = url.snapshot();
        if (!url.migrations().isEmpty()) {
            snapshot = FlywayMigrations.prepare(kopi, snapshot, url.migrations(), loader).name();
        } else if (!url.changelog().isEmpty()) {
            snapshot = LiquibaseMigrations.prepare(kopi, snapshot, url.changelog(), loader).name();
        }
        NewClone n = kopi.newClone(snapshot).ttl(url.ttl()).idleTimeout(url.idle());
        if (!url.database().isEmpty()) {
            n.database(url.database());
        }
        return n.create();
    }

    /** The clone of {@code url} now, if any (for tests and tools). */
    synchronized Clone cloneOf(String url) {
        Lease l = leases.get(url);
        return l == null ? null : l.clone;
    }

    private void release(KopiUrl url, Lease lease) {
        synchronized (this) {
            if (--lease.open > 0 || leases.get(url.text()) != lease) {
                return;
            }
            lease.destroy = timer.schedule(() -> expire(url.text(), lease), url.linger().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    private void expire(String url, Lease lease) {
        synchronized (this) {
            if (lease.open > 0 || leases.get(url) != lease) {
                return; // reconnected meanwhile
            }
            leases.remove(url);
        }
        lease.clone.close();
    }

    /** Destroys every clone (JVM shutdown). */
    void destroyAll() {
        List<Lease> all;
        synchronized (this) {
            all = new ArrayList<>(leases.values());
            leases.clear();
        }
        for (Lease l : all) {
            try {
                l.clone.close();
            } catch (RuntimeException e) {
                // Shutting down: the TTL ends it.
            }
        }
    }

    /** {@code c}, whose close() (once) gives the connection back to the lease's count. */
    private Connection counted(Connection c, KopiUrl url, Lease lease) {
        boolean[] closed = {false};
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close") && method.getParameterCount() == 0) {
                        synchronized (closed) {
                            if (closed[0]) {
                                return null;
                            }
                            closed[0] = true;
                        }
                        try {
                            c.close();
                        } finally {
                            release(url, lease);
                        }
                        return null;
                    }
                    if (method.getName().equals("isClosed") && method.getParameterCount() == 0 && closed[0]) {
                        return true;
                    }
                    try {
                        return method.invoke(c, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
