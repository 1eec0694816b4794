package dev.kopi.daemon.source;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.core.Durations;

/**
 * A named line of snapshots and where its data comes from.
 *
 * @param name      source name
 * @param kind      where the data comes from
 * @param datadir   datadir: the PostgreSQL data directory snapshots are made from; else null
 * @param conninfo  basebackup, dump and replica: the server to copy or follow (may carry a password); else null
 * @param seed      seed: SQL scripts run in order into a fresh cluster; else empty
 * @param superuser role to connect as while preparing, or null to guess
 * @param settings  schedule, retention, transforms, credentials and per-kind options
 * @param origin    where it was defined
 */
public record Source(String name, Kind kind, Path datadir, Conninfo conninfo, List<Path> seed, String superuser,
                     SourceSettings settings, Origin origin) {
    public Source {
        seed = seed == null ? List.of() : List.copyOf(seed);
        settings = settings == null ? SourceSettings.NONE : settings;
    }

    /** A data directory source with default settings. */
    public static Source ofDatadir(String name, Path datadir, String superuser, Origin origin) {
        return new Source(name, Kind.DATADIR, datadir, null, List.of(), superuser, SourceSettings.NONE, origin);
    }

    /** The data directory of a clone, as the source of a snapshot taken of it. */
    public static Source ofClone(String snapshotName, Path cloneDir, String superuser) {
        return ofDatadir(snapshotName, cloneDir, superuser, Origin.CLONE);
    }

    /** The same source with other settings. */
    public Source withSettings(SourceSettings other) {
        return new Source(name, kind, datadir, conninfo, seed, superuser, other, origin);
    }

    /** How far back point-in-time clones of a replica source go; zero for other kinds. */
    public Duration walKeep() {
        return settings.walKeep() == null ? Duration.ZERO : Durations.parse(settings.walKeep());
    }

    /** Where the data comes from, as shown to people: passwords masked. */
    public String location() {
        return switch (kind) {
            case DATADIR -> datadir.toString();
            case BASEBACKUP, DUMP, REPLICA -> conninfo.masked();
            case SEED -> String.join(", ", seed.stream().map(Path::toString).toList());
        };
    }

    /** Where a source was defined. */
    public enum Origin {
        /** kopid's config file: changed there, not through the API. */
        CONFIG,
        /** {@code kopictl source add}: stored in the catalog. */
        API,
        /** A clone, for the one refresh that takes a snapshot of it. */
        CLONE;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The kinds of source: how a refresh fills its staging volume. */
    public enum Kind {
        /** A local data directory: one native snapshot when on the pool, else a copy. */
        DATADIR,
        /** A physical copy of a live server with pg_basebackup (WAL streamed: consistent). */
        BASEBACKUP,
        /** A logical copy with pg_dump / pg_restore into a fresh cluster. */
        DUMP,
        /** SQL scripts run in order into a fresh cluster; keyed by their content. */
        SEED,
        /**
         * A primary followed by a standby kopid keeps on the pool: a refresh is a native snapshot
         * of the standby's volume, and its archived WAL allows point-in-time clones.
         */
        REPLICA;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind of(String word) {
            for (Kind k : values()) {
                if (k.word().equals(word)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown source kind '" + word + "'");
        }
    }
}
