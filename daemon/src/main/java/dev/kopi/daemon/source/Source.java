package dev.kopi.daemon.source;

import java.nio.file.Path;

/**
 * A named line of snapshots and where its data comes from.
 *
 * @param name      source name
 * @param kind      "datadir"
 * @param datadir   the PostgreSQL data directory snapshots are made from
 * @param superuser role to connect as while preparing, or null to guess
 * @param origin    "config" or "api"
 */
public record Source(String name, String kind, Path datadir, String superuser, String origin) {
    public static final String DATADIR = "datadir";

    public String location() {
        return datadir.toString();
    }
}
