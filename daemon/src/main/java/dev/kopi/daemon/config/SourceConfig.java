package dev.kopi.daemon.config;

import java.nio.file.Path;

/**
 * A source defined in the config file.
 *
 * @param name      source name
 * @param datadir   a local PostgreSQL data directory
 * @param superuser role to connect as while preparing snapshots; null to guess (data directory
 *                  owner, then "postgres")
 */
public record SourceConfig(String name, Path datadir, String superuser) {
}
