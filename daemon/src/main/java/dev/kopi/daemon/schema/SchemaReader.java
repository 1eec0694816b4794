package dev.kopi.daemon.schema;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import dev.kopi.daemon.core.KopiException;

/**
 * Reads a database's {@link Schema} from its catalogs over a connection kopid opened, on an
 * instance whose holder may be hostile and superuser there. What they control cannot hang or
 * flood kopid: the session's settings are kopid's own (search path, timeouts, the settings that
 * change how definitions print), the reads are one read-only transaction, every statement is
 * bounded by statement and lock timeouts, the whole read by a watchdog that aborts the
 * connection (a holder could replace catalog functions with ones that stall), and the result by
 * a number of objects and characters; past a bound the read fails, it never returns a partial
 * schema that would show as objects removed.
 */
final class SchemaReader {
    /** The bounds of one read. */
    record Limits(int maxObjects, long maxChars, int statementSeconds, int lockSeconds, int totalSeconds) {
        /**
         * Far beyond any real schema (a large one has some 10,000 objects and a few MB of
         * definitions); a catalog lock held longer than 10 s is the holder's doing.
         */
        static final Limits DEFAULT = new Limits(100_000, 8L << 20, 30, 10, 120);
    }

    /**
     * Settings pinned for the read, whatever the database or role says: no object of the holder's
     * is found by name, and definitions print the same everywhere (quote_all_identifiers changes
     * every name; DateStyle, IntervalStyle, TimeZone and extra_float_digits change constants in
     * defaults and views).
     */
    private static final List<String> SESSION = List.of("SET search_path = pg_catalog", "SET statement_timeout = %1$d",
            "SET lock_timeout = %2$d", "SET idle_in_transaction_session_timeout = %1$d",
            "SET standard_conforming_strings = on",
            "SET quote_all_identifiers = off", "SET DateStyle = 'ISO, MDY'", "SET IntervalStyle = postgres",
            "SET TimeZone = 'UTC'", "SET extra_float_digits = 1", "SET row_security = off");

    private final Limits limits;
    private final ScheduledExecutorService watchdog;

    SchemaReader(Limits limits, ScheduledExecutorService watchdog) {
        this.limits = limits;
        this.watchdog = watchdog;
    }

    /**
     * The schema of the database {@code c} is connected to. {@code ownRole} is the clone's login
     * role (null for none): in grants it reads {@code $clone}, so that a grant made by a clone's
     * migration reads the same whichever clone made it.
     */
    Schema read(Connection c, String ownRole, String what) throws SQLException {
        ScheduledFuture<?> abort = watchdog.schedule(() -> {
            try {
                c.abort(Runnable::run);
            } catch (SQLException | RuntimeException e) {
                // the read fails on its own then
            }
        }, limits.totalSeconds(), TimeUnit.SECONDS);
        long t0 = System.nanoTime();
        try {
            c.setAutoCommit(false);
            c.setReadOnly(true);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ); // one consistent view of the catalogs
            int versionNum;
            try (Statement st = c.createStatement()) {
                for (String set : SESSION) {
                    st.execute(String.format(set, limits.statementSeconds() * 1000L, limits.lockSeconds() * 1000L));
                }
                try (ResultSet rs = st.executeQuery("SELECT pg_catalog.current_setting('server_version_num')")) {
                    rs.next();
                    versionNum = Integer.parseInt(rs.getString(1).strip());
                }
            }
            List<SchemaObject> objects = new ArrayList<>();
            long[] chars = {0};
            for (String sql : CatalogQueries.all(versionNum)) {
                readInto(c, sql, ownRole, objects, chars, what);
            }
            c.rollback();
            return new Schema(objects);
        } catch (SQLException e) {
            if ((System.nanoTime() - t0) / 1_000_000_000L >= limits.totalSeconds()) {
                throw KopiException.precondition("reading the schema of " + what + " took over "
                        + limits.totalSeconds() + " s and was stopped; is something holding locks on its catalogs?");
            }
            throw e;
        } catch (NumberFormatException e) {
            throw KopiException.precondition("the server version of " + what + " is not a number");
        } finally {
            abort.cancel(false);
        }
    }

    private void readInto(Connection c, String sql, String ownRole, List<SchemaObject> objects, long[] chars,
                          String what) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.setFetchSize(500); // streamed in batches (inside a transaction), never the whole result at once
            st.setMaxRows(limits.maxObjects() - objects.size() + 1);
            st.setQueryTimeout(limits.statementSeconds());
            try (ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    String kind = rs.getString(1);
                    String name = rs.getString(2);
                    if (kind == null || name == null) {
                        continue;
                    }
                    String definition = bounded(rs.getString(3));
                    String acl = rs.getString(4);
                    chars[0] += name.length() + definition.length() + (acl == null ? 0 : acl.length());
                    objects.add(new SchemaObject(kind, name, definition));
                    if (acl != null && !acl.isEmpty()) {
                        objects.add(new SchemaObject("acl", kind + " " + name, grants(acl, ownRole)));
                    }
                    if (objects.size() > limits.maxObjects() || chars[0] > limits.maxChars()) {
                        throw KopiException.precondition("the schema of " + what + " is larger than kopid compares ("
                                + limits.maxObjects() + " objects, " + (limits.maxChars() >> 20) + " MiB of definitions)");
                    }
                }
            }
        }
    }

    /** A definition as read, cut again here in case the server's cut was not the one kopid asked for. */
    private static String bounded(String definition) {
        if (definition == null) {
            return "";
        }
        return definition.length() > CatalogQueries.MAX_DEFINITION
                ? definition.substring(0, CatalogQueries.MAX_DEFINITION) : definition;
    }

    /**
     * An object's aclitems (one per line, "grantee=privileges/grantor"), sorted, with the clone's
     * own role as {@code $clone}.
     */
    static String grants(String acl, String ownRole) {
        String[] items = acl.split("\n");
        for (int i = 0; i < items.length; i++) {
            items[i] = ownRole == null ? items[i] : renameRole(items[i], ownRole);
        }
        Arrays.sort(items);
        return String.join("\n", items);
    }

    private static String renameRole(String item, String role) {
        int eq = item.indexOf('=');
        int slash = item.lastIndexOf('/');
        if (eq < 0 || slash < eq) {
            return item;
        }
        String grantee = item.substring(0, eq);
        String grantor = item.substring(slash + 1);
        return (grantee.equals(role) ? "$clone" : grantee) + item.substring(eq, slash + 1)
                + (grantor.equals(role) ? "$clone" : grantor);
    }
}
