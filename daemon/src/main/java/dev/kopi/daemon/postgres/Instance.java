package dev.kopi.daemon.postgres;

import java.nio.file.Path;
import java.util.List;

/**
 * A running Postgres instance, as {@link Instances#start} or {@link Instances#running} found it.
 *
 * @param spec          which instance
 * @param pid           its postmaster's pid
 * @param socketDir     its private socket directory
 * @param postgresNanos how long the postmaster took to be ready (0 when adopted)
 * @param roleNanos     how long ensuring the login role took (0 when none)
 */
public record Instance(InstanceSpec spec, long pid, Path socketDir, long postgresNanos, long roleNanos) {
    /** psql/pg_restore options reaching this instance over its socket as its superuser. */
    public List<String> connectArgs(String database) {
        return List.of("--host=" + socketDir, "--port=" + spec.port(), "--username=" + spec.superuser(),
                "--no-password", "--dbname=" + database);
    }

    /** The same instance, reached as {@code role}. */
    public Instance as(String role) {
        return new Instance(spec.as(role), pid, socketDir, postgresNanos, roleNanos);
    }
}
