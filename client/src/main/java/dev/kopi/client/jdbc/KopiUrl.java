package dev.kopi.client.jdbc;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A {@code jdbc:kopi:} URL: {@code jdbc:kopi:SNAPSHOT[?param=value&...]} with the snapshot as
 * {@code SOURCE} or {@code SOURCE@TAG}, and parameters {@code ttl} (the clone's TTL, default
 * {@code 30m}), {@code idle} (its idle timeout), {@code database}, {@code linger} (how long the
 * clone outlives its last connection, default {@code 10s}), and {@code migrations} (Flyway
 * locations, comma-separated) or {@code changelog} (a Liquibase changelog).
 *
 * @param text the URL as given: connections of one data source (one URL) share one clone
 */
public record KopiUrl(String text, String snapshot, String ttl, String idle, String database, Duration linger,
                      List<String> migrations, String changelog) {
    /** The prefix this driver answers to. */
    public static final String PREFIX = "jdbc:kopi:";
    private static final Set<String> PARAMETERS = Set.of("ttl", "idle", "database", "linger", "migrations",
            "changelog");

    /** Parses {@code url}; a URL of this driver that cannot be used is an SQLException saying why. */
    public static KopiUrl parse(String url) throws SQLException {
        if (!url.startsWith(PREFIX)) {
            throw new SQLException("not a Kopi URL (" + PREFIX + "SNAPSHOT): " + url);
        }
        String rest = url.substring(PREFIX.length());
        int q = rest.indexOf('?');
        String snapshot = (q < 0 ? rest : rest.substring(0, q)).strip();
        if (snapshot.isEmpty()) {
            throw new SQLException("give the snapshot to clone: " + PREFIX + "SOURCE or " + PREFIX + "SOURCE@TAG");
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (q >= 0) {
            for (String pair : rest.substring(q + 1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = eq < 0 ? pair : pair.substring(0, eq);
                if (!PARAMETERS.contains(name)) {
                    throw new SQLException("unknown parameter '" + name + "' in " + url + "; known: " + PARAMETERS);
                }
                params.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        if (params.containsKey("migrations") && params.containsKey("changelog")) {
            throw new SQLException("give Flyway migrations or a Liquibase changelog, not both: " + url);
        }
        String migrations = params.getOrDefault("migrations", "");
        return new KopiUrl(url, snapshot, params.getOrDefault("ttl", "30m"), params.getOrDefault("idle", ""),
                params.getOrDefault("database", ""), linger(params.getOrDefault("linger", "10s")),
                migrations.isEmpty() ? List.of() : List.of(migrations.split(",")), params.getOrDefault("changelog", ""));
    }

    private static Duration linger(String text) throws SQLException {
        try {
            return Duration.parse("PT" + text.toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new SQLException("linger '" + text + "' is not a duration like 10s, 2m or 0s");
        }
    }
}
