package dev.kopi.daemon.postgres;

import java.sql.SQLException;
import java.sql.Statement;

import dev.kopi.daemon.core.KopiException;

/**
 * Makes a clone's login role, or (after a restart) re-asserts it, with the recorded password's
 * verifier. Plain statements, so a fresh backend need not load PL/pgSQL; the commit is
 * synchronous, since the role must survive a crash.
 */
final class RoleStatements {
    private final LoginRole role;
    private final boolean superuser;
    private final String version;

    /**
     * @param superuser postgres.superuser: a superuser of its clone, or else a role that can read
     *                  and write all data (pg_read_all_data, pg_write_all_data) and create
     *                  databases, and on PostgreSQL 16+ roles: before 16 CREATEROLE lets a role
     *                  grant itself any role short of superuser, pg_execute_server_program
     *                  included, so it would be no boundary at all
     */
    RoleStatements(LoginRole role, boolean superuser, String version) {
        this.role = role;
        this.superuser = superuser;
        this.version = version;
    }

    /**
     * What a clone's role may do. Every attribute is said outright: ALTER ROLE (after a restart)
     * keeps what it does not name.
     */
    static String attributes(boolean superuser, String version) {
        if (superuser) {
            return "LOGIN SUPERUSER";
        }
        int major = PgVersion.major(version);
        if (major < 14) {
            throw KopiException.precondition("postgres.superuser: false needs PostgreSQL 14 or newer (for "
                    + "pg_read_all_data and pg_write_all_data); this snapshot is PostgreSQL " + version
                    + ": set postgres.superuser: true, or snapshot a newer server");
        }
        return major >= 16 ? "LOGIN NOSUPERUSER CREATEDB CREATEROLE" : "LOGIN NOSUPERUSER CREATEDB NOCREATEROLE";
    }

    void ensure(Instances instances, InstanceSpec spec, String verifier) {
        String quoted = "\"" + role.user() + "\"";
        String attrs = attributes(superuser, version) + " PASSWORD '" + verifier + "'";
        String create = "CREATE ROLE " + quoted + " " + attrs;
        String alter = "ALTER ROLE " + quoted + " WITH " + attrs;
        try {
            instances.admin(spec, spec.database(), 30, c -> {
                try (Statement st = c.createStatement()) {
                    try {
                        st.execute(role.fresh() ? create : alter);
                    } catch (SQLException e) {
                        // 42710: the role exists already (create); 42704: it does not exist yet (alter).
                        if (!(role.fresh() ? "42710" : "42704").equals(e.getSQLState())) {
                            throw e;
                        }
                        st.execute(role.fresh() ? alter : create);
                    }
                    if (!superuser) {
                        st.execute("GRANT pg_read_all_data, pg_write_all_data TO " + quoted);
                    }
                }
                return null;
            });
        } catch (SQLException e) {
            if ("3D000".equals(e.getSQLState())) {
                throw KopiException.notFound("database '" + spec.database() + "' does not exist");
            }
            throw KopiException.internal("clone " + spec.name()
                    + " started but did not answer: " + e.getMessage(), e);
        }
    }
}
