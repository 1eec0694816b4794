/**
 * Migrations on production data, applied once: {@link dev.kopi.client.migrate.FlywayMigrations}
 * and {@link dev.kopi.client.migrate.LiquibaseMigrations} build a prepared snapshot keyed by the
 * scripts' content ({@link dev.kopi.client.migrate.MigrationScripts}). Flyway and Liquibase are
 * optional dependencies of the client: each class needs only its own tool.
 */
package dev.kopi.client.migrate;
