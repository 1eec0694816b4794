package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import dev.kopi.daemon.core.KopiException;

import dev.kopi.daemon.postgres.Instance;
import dev.kopi.daemon.source.PointInTime;
import dev.kopi.daemon.source.Progress;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.VolumeId;

/**
 * How a refresh fills its staging volume: one per kind of source. {@link #check} runs before
 * anything is made (an unreachable source or missing binaries fail there), {@link #make}
 * makes the staging volume and a data directory in it, {@link #load} runs with the staging
 * instance up (restoring a dump, running seed scripts).
 */
public abstract class Fill {
    final Source source;
    String version;
    /** The data directory the copy came from, for relinking tablespaces; null when none. */
    Path original;
    /** Roles that may own the copy's files: candidates for its superuser. */
    String originalOwner;
    String seedHash;

    final Staging staging;

    Fill(Source source, Staging staging) {
        this.source = source;
        this.staging = staging;
    }

    /** The fill for {@code source}'s kind. */
    public static Fill of(Source source, Staging staging) {
        return switch (source.kind()) {
            case DATADIR -> new DatadirFill(source, staging);
            case BASEBACKUP -> new BasebackupFill(source, new SourceServer(source, staging.tools), staging);
            case DUMP -> new DumpFill(source, new SourceServer(source, staging.tools), staging);
            case SEED -> new SeedFill(source, staging);
            case REPLICA -> new ReplicaFill(source, staging);
        };
    }

    /** The fill that recovers a replica source's kept history to {@code target}. */
    public static Fill pointInTime(Source source, Staging staging, PointInTime target) {
        if (source.kind() != Source.Kind.REPLICA) {
            throw KopiException.precondition("source " + source.name() + " is a " + source.kind().word() + " source: "
                    + "it keeps no WAL, so it has no past moments to clone; point-in-time clones need a replica source "
                    + "('kopictl source add NAME --replica CONNINFO')");
        }
        return new PointInTimeFill(source, staging, target);
    }

    /**
     * What a seed source's snapshot would be keyed by if built now with PostgreSQL
     * {@code version}: its scripts, transforms, database and version.
     */
    public static String seedHashOf(Source source, String version) {
        return SeedFill.seedHash(source, version);
    }

    /** Fails, before anything is made, when the source cannot be copied now. */
    public abstract void check(Progress progress);

    /** Makes the staging volume {@code volume} and a data directory in it; returns where. */
    public abstract Path make(VolumeId volume, String id, Progress progress) throws IOException;

    /** Loads data with the staging instance up (a dump's restore, a seed's scripts). */
    public void load(Instance instance, Progress progress) {
    }

    /** Readies the standalone copy for its one start (a point-in-time copy's recovery signal). */
    public void prepare(Path dir) throws IOException {
    }

    /** Server settings of that start beyond the usual ones (a point-in-time copy's recovery target). */
    public Map<String, String> startSettings() {
        return Map.of();
    }

    /**
     * The moment the copy's data is as of when that is not now: a point-in-time copy's target.
     * Its snapshot is recorded as made then, so it sorts among the source's snapshots by the
     * data it holds (and retention weighs it by that).
     */
    public Instant asOf() {
        return null;
    }

    /** Removes what {@link #make} made beside the staging volume. */
    public void cleanup() {
    }

    /** What the verification start does, for the progress. */
    public String verifyMessage() {
        return "starting once to verify, then shutting down cleanly";
    }

    /** PG_VERSION of the copy (known after {@link #check}). */
    public String version() {
        return version;
    }

    /** The data directory the copy came from, for relinking tablespaces; null when none. */
    public Path original() {
        return original;
    }

    /** The role that owns the source's files, a candidate for the copy's superuser; null when unknown. */
    public String originalOwner() {
        return originalOwner;
    }

    /** For a seed source, the hash of what built the copy; else null. */
    public String builtSeedHash() {
        return seedHash;
    }
}
