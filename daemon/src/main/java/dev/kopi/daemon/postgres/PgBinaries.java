package dev.kopi.daemon.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import dev.kopi.daemon.core.KopiException;

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

    /**
     * Major versions whose server binaries are installed, newest first; empty when the template
     * has no {version} to list (a single fixed directory).
     */
    public List<String> installed() {
        int at = template.indexOf("{version}");
        if (at < 0) {
            return List.of();
        }
        Path parent = Path.of(template.substring(0, at));
        try (Stream<Path> dirs = Files.list(parent)) {
            return dirs.map(d -> d.getFileName().toString())
                    .filter(v -> v.matches("\\d{1,3}"))
                    .filter(v -> Files.isExecutable(Path.of(template.replace("{version}", v)).resolve("postgres")))
                    .sorted(Comparator.comparingInt((String v) -> Integer.parseInt(v)).reversed())
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The newest installed major version; FAILED_PRECONDITION when there is none. */
    public String newest() {
        return installed().stream().findFirst().orElseThrow(() -> KopiException.precondition(
                "no PostgreSQL server binaries found at " + template + ": install postgresql (e.g. postgresql-16) or "
                        + "set postgres.binaries"));
    }

    public Path tool(String version, String name) {
        return dir(version).resolve(name);
    }
}
