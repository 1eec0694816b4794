package dev.kopi.daemon.postgres;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.kopi.daemon.KopiException;

/**
 * Finds the server binaries matching a data directory's PG_VERSION, from a template such as
 * {@code /usr/lib/postgresql/{version}/bin}.
 */
public final class PgBinaries {
    private final String template;

    public PgBinaries(String template) {
        this.template = template;
    }

    public Path dir(String version) {
        Path dir = Path.of(template.replace("{version}", version));
        if (!Files.isExecutable(dir.resolve("postgres"))) {
            throw KopiException.precondition("PostgreSQL " + version + " server binaries not found in " + dir
                    + ": install postgresql-" + version + " or set postgres.binaries");
        }
        return dir;
    }

    public Path tool(String version, String name) {
        return dir(version).resolve(name);
    }
}
