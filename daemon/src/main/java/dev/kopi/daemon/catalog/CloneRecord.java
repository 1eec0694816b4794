package dev.kopi.daemon.catalog;

/**
 * A clone whose instance was started and answered a query.
 *
 * @param name      clone name
 * @param snapshot  exact snapshot name (SOURCE@TAG)
 * @param port      TCP port
 * @param user      its own login role
 * @param password  that role's password (the catalog file is 0600, root only)
 * @param database  database in its connection strings
 * @param createdAt RFC 3339
 * @param version   PG_VERSION
 * @param superuser bootstrap superuser, for kopid's admin connections
 */
public record CloneRecord(String name, String snapshot, int port, String user, String password, String database,
                          String createdAt, String version, String superuser) {
}
