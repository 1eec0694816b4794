package dev.kopi.client.migrate;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;

import liquibase.Scope;
import liquibase.command.CommandScope;
import liquibase.command.core.UpdateCommandStep;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.ClassLoaderResourceAccessor;
import liquibase.resource.DirectoryResourceAccessor;
import liquibase.resource.ResourceAccessor;

import dev.kopi.client.KopiClient;
import dev.kopi.client.SnapshotInfo;

/**
 * Liquibase changelogs on top of a snapshot, applied once per content: the snapshot prepared from
 * {@code base} under the key of every file in the changelog's directory and below it (where its
 * included changelogs usually are), built by running Liquibase's update on a clone of the base
 * the first time any JVM asks. Needs {@code liquibase-core} on the class path.
 */
public final class LiquibaseMigrations {
    private LiquibaseMigrations() {
    }

    /**
     * The migrated snapshot of {@code base} for {@code changelog}: {@code classpath:db/changelog/master.yaml}
     * (or without the prefix), or {@code filesystem:/path/master.yaml}.
     */
    public static SnapshotInfo prepare(KopiClient client, String base, String changelog, ClassLoader loader) {
        boolean file = changelog.startsWith("filesystem:");
        String path = file ? changelog.substring("filesystem:".length())
                : changelog.replaceFirst("^classpath:", "").replaceFirst("^/", "");
        int slash = path.lastIndexOf('/');
        String dir = slash < 0 ? "" : path.substring(0, slash);
        String name = path.substring(slash + 1);
        String location = (file ? "filesystem:" : "classpath:") + dir;
        String key = MigrationScripts.key("liquibase", MigrationScripts.read(List.of(location), loader));
        return client.prepared(base).key(key).build(clone -> {
            try (Connection c = clone.dataSource().getConnection()) {
                Database db = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
                ResourceAccessor resources = file ? new DirectoryResourceAccessor(Path.of(dir))
                        : new ClassLoaderResourceAccessor(loader);
                Scope.child(Map.of(Scope.Attr.resourceAccessor.name(), resources), () -> new CommandScope(
                        UpdateCommandStep.COMMAND_NAME)
                        .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, db)
                        .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, file ? name : path)
                        .execute());
            }
        });
    }
}
