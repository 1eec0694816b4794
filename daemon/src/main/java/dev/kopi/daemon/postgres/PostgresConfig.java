package dev.kopi.daemon.postgres;

import java.time.Duration;
import java.util.Map;

/**
 * How clone instances run.
 *
 * @param user         OS user that runs postgres (never root)
 * @param portFirst    first port of the range clones listen on
 * @param portLast     last port of that range, inclusive
 * @param listen       listen_addresses for clones (loopback unless configured)
 * @param host         host written into connection strings
 * @param binaries     directory of the server binaries, {version} replaced by PG_VERSION
 * @param superuser    whether each clone's generated role is a superuser
 * @param settings     extra server settings applied to every clone (-c name=value)
 * @param startTimeout how long a starting instance may take to answer a query
 * @param stopTimeout  how long each shutdown step (fast, then immediate) may take
 */
public record PostgresConfig(String user, int portFirst, int portLast, String listen, String host, String binaries,
                             boolean superuser, Map<String, String> settings, Duration startTimeout,
                             Duration stopTimeout) {
    public String ports() {
        return portFirst + "-" + portLast;
    }
}
