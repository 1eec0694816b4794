package dev.kopi.daemon.postgres;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * kopid's own connections to an instance: over its Unix socket (private to root and the postgres
 * user), never over TCP, with pgjdbc on junixsocket.
 */
public final class AdminConnection {
    private AdminConnection() {
    }

    /**
     * A connection whose connect waits at most {@code timeoutSeconds} and whose reads at most a
     * minute, or longer if the connect may take longer (a query may legitimately run a while).
     */
    public static Connection open(Path socketDir, int port, String user, String database, int timeoutSeconds)
            throws SQLException {
        return open(socketDir, port, user, database, timeoutSeconds, Math.max(timeoutSeconds, 60));
    }

    /**
     * A connection bounded both ways: for quick questions (sessions, reloads), where an instance
     * that does not answer in time (frozen, overloaded) must not hold up the asker.
     */
    public static Connection open(Path socketDir, int port, String user, String database, int timeoutSeconds,
                                  int readTimeoutSeconds) throws SQLException {
        return DriverManager.getConnection(url(port, database), properties(socketDir, port, user, timeoutSeconds,
                readTimeoutSeconds));
    }

    /**
     * A connection bounded both ways and in what one result may bring into kopid: pgjdbc counts
     * each row's announced size before it reads the row, so a hostile instance (a holder who is
     * superuser there) cannot make kopid allocate more than {@code maxResultBytes} for one query;
     * and no statement runs longer, or waits for a lock longer, than {@code timeoutSeconds}.
     */
    public static Connection openBounded(Path socketDir, int port, String user, String database, int timeoutSeconds,
                                         long maxResultBytes) throws SQLException {
        Properties p = properties(socketDir, port, user, timeoutSeconds, timeoutSeconds);
        p.setProperty("maxResultBuffer", Long.toString(maxResultBytes));
        // Settings in the startup packet beat the holder's ALTER DATABASE and ALTER ROLE ones,
        // from the first statement on (a 1 ms statement_timeout there would fail kopid's SETs).
        long ms = timeoutSeconds * 1000L;
        p.setProperty("options", "-c statement_timeout=" + ms + " -c lock_timeout=" + ms
                + " -c idle_in_transaction_session_timeout=" + ms + " -c search_path=pg_catalog");
        return DriverManager.getConnection(url(port, database), p);
    }

    private static Properties properties(Path socketDir, int port, String user, int timeoutSeconds,
                                         int readTimeoutSeconds) {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("sslmode", "disable");
        p.setProperty("gssEncMode", "disable");
        p.setProperty("connectTimeout", Integer.toString(timeoutSeconds));
        p.setProperty("socketTimeout", Integer.toString(readTimeoutSeconds));
        p.setProperty("ApplicationName", "kopid");
        p.setProperty("socketFactory", "org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg");
        p.setProperty("socketFactoryArg", socketDir.resolve(".s.PGSQL." + port).toString());
        return p;
    }

    private static String url(int port, String database) {
        // The database name must not be able to add URL parameters (which pgjdbc prefers over
        // these properties): encode it, '?', '&', '=', '%' and '/' included.
        String db = URLEncoder.encode(database, StandardCharsets.UTF_8);
        return "jdbc:postgresql://localhost:" + port + "/" + db;
    }
}
