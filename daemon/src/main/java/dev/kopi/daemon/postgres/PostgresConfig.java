package dev.kopi.daemon.postgres;

import java.time.Duration;
import java.util.Map;

/**
 * How clone instances run.
 *
 * @param user         OS user that runs refreshes (staging instances and tools), never root; also
 *                     clones recorded before clones had identities of their own
 * @param portFirst    first port of the range clones listen on
 * @param portLast     last port of that range, inclusive
 * @param listen       listen_addresses for clones (loopback unless configured)
 * @param host         host written into connection strings
 * @param binaries     directory of the server binaries, {version} replaced by PG_VERSION
 * @param superuser    whether each clone's generated role is a superuser
 * @param settings     extra server settings applied to every clone (-c name=value)
 * @param startTimeout how long a starting instance may take to answer a query
 * @param stopTimeout  how long each shutdown step (fast, then immediate) may take
 * @param uidFirst     first uid of the range clones run as (one uid per clone, no passwd entry)
 * @param uidLast      last uid of that range, inclusive
 * @param allRolesOverTcp whether a clone's pg_hba.conf admits every role over TCP (true) or only
 *                     the clone's own role (false, the default)
 * @param limits       memory and processes each clone's instance may use (cgroups)
 */
public record PostgresConfig(String user, int portFirst, int portLast, String listen, String host, String binaries,
                             boolean superuser, Map<String, String> settings, Duration startTimeout,
                             Duration stopTimeout, int uidFirst, int uidLast, boolean allRolesOverTcp,
                             Limits limits) {
    /**
     * Per-clone limits, 0 for none.
     *
     * @param memoryMax    bytes of memory (postgres.memory_max)
     * @param processesMax processes (postgres.processes_max)
     */
    public record Limits(long memoryMax, int processesMax) {
        public static final Limits NONE = new Limits(0, 0);
    }

    /** The default range of clone uids: high, so it meets no local user and no usual subuid range. */
    public static final int DEFAULT_UID_FIRST = 2_000_000_000;
    public static final int DEFAULT_UID_LAST = 2_000_099_999;

    /**
     * Whether clones serve TLS: when they listen beyond loopback. Then pg_hba admits only TLS
     * from outside loopback and connection strings verify the server (verify-full).
     */
    public boolean tls() {
        return !Hba.loopbackOnly(listen);
    }

    public String ports() {
        return portFirst + "-" + portLast;
    }
}
