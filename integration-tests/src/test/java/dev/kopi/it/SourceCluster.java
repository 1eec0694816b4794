package dev.kopi.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL cluster standing in for production: initdb as the postgres user, started on
 * its own loopback port when needed, with an "app" database holding tables, a foreign key and a
 * trigger.
 */
final class SourceCluster implements AutoCloseable {
    static final String BIN = "/usr/lib/postgresql/15/bin/";

    final Path dataDir;
    private final Path socketDir;
    private Process process;
    private int port;
    /** Settings on the server's command line, beyond the test defaults ("name=value"). */
    private final List<String> settings = new ArrayList<>();

    private SourceCluster(Path dataDir, Path socketDir) {
        this.dataDir = dataDir;
        this.socketDir = socketDir;
    }

    /** initdb into {@code dataDir} (which must not exist, or be empty and owned by postgres). */
    static SourceCluster init(Path dataDir, Path socketDir) {
        Sh.ok(Sh.asPostgres(BIN + "initdb", "-D", dataDir.toString(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                "--locale=C", "--no-sync"));
        return new SourceCluster(dataDir, socketDir);
    }

    /**
     * Makes this a stand-in for a production server reached over TCP with a password: pg_hba
     * asks every role but the test's own "postgres" (trusted, from loopback) for SCRAM, for normal
     * and replication connections. Call before {@link #start()}; then {@link #createKopiRole}.
     */
    SourceCluster requirePasswords() {
        try {
            Files.writeString(dataDir.resolve("pg_hba.conf"), "local all all trust\n"
                    + "host all postgres 127.0.0.1/32 trust\n"
                    + "host all all 127.0.0.1/32 scram-sha-256\n"
                    + "host replication all 127.0.0.1/32 scram-sha-256\n");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    /**
     * A stand-in for production in the run directory ({@code prod/data}): passwords required
     * ({@link #requirePasswords}), started; then seed it and {@link #createKopiRole}.
     */
    /**
     * A production server: passwords required, and configured outside its data directory (on
     * its command line here, in /etc on Debian) with more connections than the defaults, so a
     * standby seeded from it must take the primary's limits from the control file to start.
     */
    static SourceCluster production(RunDir run) throws IOException {
        SourceCluster c = init(run.postgresDir("prod").resolve("data"), run.resolve("prod/sock")).requirePasswords();
        c.settings.add("max_connections=130");
        return c.start();
    }

    /** Runs pgbench with {@code args} against database "bench" of this server, as the trusted "postgres". */
    SourceCluster pgbench(String... args) {
        List<String> argv = new ArrayList<>(List.of(BIN + "pgbench"));
        argv.addAll(List.of(args));
        argv.addAll(List.of("-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres", "bench"));
        Sh.ok(argv.toArray(String[]::new));
        return this;
    }

    /** Creates database "bench" and fills it with pgbench at {@code scale} (15 MB per unit), checkpointed. */
    SourceCluster pgbenchDatabase(int scale) {
        sql("postgres", "CREATE DATABASE bench");
        pgbench("-i", "-q", "-s", Integer.toString(scale));
        sql("bench", "CHECKPOINT");
        return this;
    }

    /** The role Kopi copies as: login, replication, reads all data; {@code password} required. */
    SourceCluster createKopiRole(String password) {
        sql("postgres", "CREATE ROLE kopi LOGIN REPLICATION PASSWORD '" + password.replace("'", "''") + "'",
                "GRANT pg_read_all_data TO kopi");
        return this;
    }

    int port() {
        return port;
    }

    /** A libpq connection string reaching this server as {@code user}. */
    String conninfo(String user, String password, String db) {
        return "host=127.0.0.1 port=" + port + " user=" + user + (password == null ? "" : " password=" + password)
                + (db == null ? "" : " dbname=" + db);
    }

    /**
     * The "demo" data directory most integration test classes clone: initdb under the run
     * directory, seeded, then stopped (a stopped data directory is a datadir source).
     */
    static SourceCluster demo(RunDir run) throws IOException {
        SourceCluster c = init(run.postgresDir("src").resolve("demo"), run.resolve("src/sock"));
        c.start().seed().stop();
        return c;
    }

    SourceCluster start() {
        port = port == 0 ? freePort() : port; // the same port across restarts: sources name it
        try {
            Files.createDirectories(socketDir);
            Sh.ok("chown", "postgres:postgres", socketDir.toString());
            List<String> argv = new ArrayList<>(List.of(BIN + "postgres", "-D", dataDir.toString(), "-c", "port=" + port,
                    "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + socketDir,
                    "-c", "fsync=off", "-c", "logging_collector=off"));
            settings.forEach(setting -> argv.addAll(List.of("-c", setting)));
            process = new ProcessBuilder(Sh.asPostgres(argv.toArray(String[]::new)))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.getParent().resolve(dataDir.getFileName() + ".log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                List<String> pid = Files.readAllLines(dataDir.resolve("postmaster.pid"));
                if (pid.size() > 7 && pid.get(7).strip().equals("ready")) {
                    return this;
                }
            } catch (IOException notYet) {
                // starting
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("source cluster " + dataDir + " did not start");
            }
            sleep(20);
        }
        throw new IllegalStateException("source cluster " + dataDir + " not ready in 30s");
    }

    void stop() {
        if (process == null) {
            return;
        }
        process.destroy(); // SIGTERM: smart shutdown; sessions here are short
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    boolean running() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    Connection connect(String db) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db + "?user=postgres");
    }

    void sql(String db, String... statements) {
        try (Connection c = connect(db); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL on source failed: " + e.getMessage(), e);
        }
    }

    /** Creates database "app": 1000 customers, 5000 orders (FK to customers), an audit trigger. */
    SourceCluster seed() {
        sql("postgres", "CREATE DATABASE app");
        return seedOrders("app");
    }

    /** The tables of {@link #seed()} in {@code database}. */
    SourceCluster seedOrders(String database) {
        sql(database,
                "CREATE TABLE customers (id int PRIMARY KEY, email text UNIQUE NOT NULL, name text NOT NULL)",
                "CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id), "
                        + "amount numeric(10,2) NOT NULL CHECK (amount > 0), created_at timestamptz NOT NULL DEFAULT now())",
                "CREATE TABLE order_audit (order_id int NOT NULL, customer_id int NOT NULL, amount numeric(10,2), "
                        + "at timestamptz NOT NULL DEFAULT now())",
                "CREATE FUNCTION audit_order() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                        + "INSERT INTO order_audit(order_id, customer_id, amount) VALUES (NEW.id, NEW.customer_id, NEW.amount); "
                        + "RETURN NEW; END $$",
                "CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION audit_order()",
                "INSERT INTO customers SELECT g, 'user' || g || '@example.com', 'Customer ' || g FROM generate_series(1, 1000) g",
                "INSERT INTO orders (customer_id, amount) SELECT 1 + (g % 1000), (g % 500) + 1 FROM generate_series(1, 5000) g",
                "CHECKPOINT");
        return this;
    }

    @Override
    public void close() {
        stop();
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
