package dev.kopi.client.migrate;

import java.util.List;

import org.flywaydb.core.Flyway;

import dev.kopi.client.KopiClient;
import dev.kopi.client.SnapshotInfo;

/**
 * Flyway migrations on top of a snapshot, applied once per set of scripts: the snapshot prepared
 * from {@code base} under the key of the scripts at the locations ({@link MigrationScripts}),
 * built by running Flyway on a clone of the base the first time any JVM asks. Needs
 * {@code flyway-core} and {@code flyway-database-postgresql} on the class path.
 *
 * <p>Production data migrated by Flyway carries its schema history, and only the newer scripts
 * run. A snapshot whose schema has no history (it predates Flyway, or history lives elsewhere) is
 * baselined at version 0, so every script runs on it, rather than refused as Flyway would.
 */
public final class FlywayMigrations {
    private FlywayMigrations() {
    }

    /** The migrated snapshot of {@code base} for the scripts at {@code locations} (Flyway's notation). */
    public static SnapshotInfo prepare(KopiClient client, String base, List<String> locations, ClassLoader loader) {
        String key = MigrationScripts.key("flyway", MigrationScripts.read(locations, loader));
        return client.prepared(base).key(key).build(clone -> Flyway.configure(loader)
                .dataSource(clone.jdbcUrl(), clone.user(), clone.password())
                .locations(locations.toArray(String[]::new))
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate());
    }
}
