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
                .load()
                .migrate());
    }
}
