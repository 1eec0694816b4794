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

    public static Connection open(Path socketDir, int port, String user, String database, int timeoutSeconds)
            throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("sslmode", "disable");
        p.setProperty("gssEncMode", "disable");
        p.setProperty("connectTimeout", Integer.toString(timeoutSeconds));
        p.setProperty("socketTimeout", Integer.toString(Math.max(timeoutSeconds, 60)));
        p.setProperty("ApplicationName", "kopid");
        p.setProperty("socketFactory", "org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg");
        p.setProperty("socketFactoryArg", socketDir.resolve(".s.PGSQL." + port).toString());
        // The database name must not be able to add URL parameters (which pgjdbc prefers over
        // these properties): encode it, '?', '&', '=', '%' and '/' included.
        String db = URLEncoder.encode(database, StandardCharsets.UTF_8);
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/" + db, p);
    }
}
