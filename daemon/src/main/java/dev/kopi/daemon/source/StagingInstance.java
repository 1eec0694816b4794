package dev.kopi.daemon.source;

import java.nio.file.Path;

/**
 * The Postgres a refresh runs on its staging volume: reachable only over its private Unix socket
 * (no TCP), as the snapshot's bootstrap superuser.
 *
 * @param dataDir   the staging volume
 * @param version   its major version
 * @param socketDir its socket directory, owned by the postgres user, 0700
 * @param port      the number in its socket file's name
 * @param superuser the role kopid connects as
 */
record StagingInstance(Path dataDir, String version, Path socketDir, int port, String superuser) {
    /** psql/pg_restore options reaching this instance as the superuser. */
    java.util.List<String> connectArgs(String database) {
        return java.util.List.of("--host=" + socketDir, "--port=" + port, "--username=" + superuser, "--no-password",
                "--dbname=" + database);
    }
}
