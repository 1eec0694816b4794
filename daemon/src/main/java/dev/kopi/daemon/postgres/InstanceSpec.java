package dev.kopi.daemon.postgres;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Which Postgres instance: what to run it on, and how kopid reaches it. Everything about how it
 * runs (its socket directory, its pg_hba.conf, its log, its OS identity) is decided by
 * {@link Instances} from the kind, so callers cannot get it wrong.
 *
 * @param kind      a clone (TCP on its port, the clone's role) or a staging instance (Unix socket only)
 * @param name      the clone's name, or for staging the source's (labels and log files)
 * @param key       what names its runtime files: the port for a clone, "sID" for a staging instance
 * @param dataDir   the data directory (a clone or staging volume root)
 * @param version   PG_VERSION, which selects the binaries
 * @param port      TCP port of a clone; for staging only the number in the socket file's name
 * @param superuser the role kopid's own connections use; null while not yet known (staging)
 * @param database  the database kopid's own connections use
 * @param role      a clone's login role, ensured on every start; null for none
 * @param settings  further server settings (-c name=value) beyond the configured ones
 * @param user      the OS identity it runs as; null for postgres.user (staging instances of
 *                  sources, and clones recorded before clones had their own)
 */
public record InstanceSpec(Kind kind, String name, String key, Path dataDir, String version, int port,
                           String superuser, String database, LoginRole role, Map<String, String> settings,
                           OsUser user) {
    /** Staging instances listen on no TCP port; this number only names their socket file. */
    public static final int STAGING_PORT = 5432;

    /** The two kinds of instance Kopi runs. */
    public enum Kind {
        /** A clone's instance: serves its user over TCP, outlives kopid. */
        CLONE,
        /** A refresh's instance on a staging volume: kopid's private Unix socket only. */
        STAGING,
        /**
         * A replica source's standby: kopid's private Unix socket only, like staging, but it
         * outlives kopid (adopted at start) and streams from the source's primary.
         */
        STANDBY
    }

    public InstanceSpec {
        settings = settings == null ? Map.of() : Map.copyOf(settings);
    }

    /** A clone's instance on its volume {@code dataDir}. */
    public static InstanceSpec clone(String name, Path dataDir, String version, int port, String superuser,
                                     String database, LoginRole role, OsUser user) {
        return new InstanceSpec(Kind.CLONE, name, Integer.toString(port), dataDir, version, port, superuser, database,
                role, Map.of(), user);
    }

    /** A staging instance of a refresh of {@code source}; {@code id} is the refresh's 8 hex digits. */
    public static InstanceSpec staging(String id, String source, Path dataDir, String version,
                                       Map<String, String> settings) {
        return staging(id, source, dataDir, version, settings, null);
    }

    /**
     * A staging instance run as {@code user} rather than postgres.user: a guest identity, for
     * data a clone holder shaped (a snapshot of a clone, or a copy of one), whose configuration,
     * role settings and functions may run whatever they like as the instance's identity.
     */
    public static InstanceSpec staging(String id, String source, Path dataDir, String version,
                                       Map<String, String> settings, OsUser user) {
        return new InstanceSpec(Kind.STAGING, source, "s" + id, dataDir, version, STAGING_PORT, null, "template1",
                null, settings, user);
    }

    /**
     * The standby of replica source {@code source}. Its key is derived from the name (a source
     * name may be too long for a socket path), stable across kopid restarts so it can be adopted.
     */
    public static InstanceSpec standby(String source, Path dataDir, String version, String superuser,
                                       Map<String, String> settings) {
        return new InstanceSpec(Kind.STANDBY, source, standbyKey(source), dataDir, version, STAGING_PORT, superuser,
                "postgres", null, settings, null);
    }

    /** The runtime-file key of a standby: "r" and 8 hex digits. */
    static String standbyKey(String source) {
        CRC32 crc = new CRC32();
        crc.update(source.getBytes(StandardCharsets.UTF_8));
        return String.format("r%08x", crc.getValue());
    }

    /** The same instance, reached as {@code role} (a staging instance's superuser, once found). */
    public InstanceSpec as(String role) {
        return new InstanceSpec(kind, name, key, dataDir, version, port, role, database, this.role, settings, user);
    }

    /** The same clone instance, its role to be re-asserted rather than created (a restart). */
    public InstanceSpec restarting() {
        return role == null ? this : new InstanceSpec(kind, name, key, dataDir, version, port, superuser, database,
                role.existing(), settings, user);
    }

    /** Shown in ps (cluster_name) and logs. */
    public String label() {
        return switch (kind) {
            case CLONE -> "kopi-" + name;
            case STAGING -> "kopi-refresh-" + name;
            case STANDBY -> "kopi-standby-" + name;
        };
    }

    /** The base name of its log file below the state directory's logs/. */
    public String logName() {
        return switch (kind) {
            case CLONE -> name;
            case STAGING -> "refresh-" + name;
            case STANDBY -> "standby-" + name;
        };
    }
}
