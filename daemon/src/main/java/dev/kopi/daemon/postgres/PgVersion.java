package dev.kopi.daemon.postgres;

/** PostgreSQL version strings as PG_VERSION holds them ("16", "9.6"). */
public final class PgVersion {
    private PgVersion() {
    }

    /** The major version: 16 for "16", 9 for "9.6". */
    public static int major(String version) {
        return Integer.parseInt(version.split("\\.")[0]);
    }
}
