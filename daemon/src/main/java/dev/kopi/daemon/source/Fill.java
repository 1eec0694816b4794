package dev.kopi.daemon.source;

import java.io.IOException;
import java.nio.file.Path;

import dev.kopi.daemon.storage.VolumeId;

/**
 * How a refresh fills its staging volume: one per kind of source. {@link #check} runs before
 * anything is made (an unreachable source or missing binaries fail there), {@link #make}
 * makes the staging volume and a data directory in it, {@link #load} runs with the staging
 * instance up (restoring a dump, running seed scripts).
 */
abstract class Fill {
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

    abstract void check(Progress progress);

    abstract Path make(VolumeId volume, String id, Progress progress) throws IOException;

    void load(StagingInstance inst, Progress progress) {
    }

    /** Removes what {@link #make} made beside the staging volume. */
    void cleanup() {
    }

    String verifyMessage() {
        return "starting once to verify, then shutting down cleanly";
    }
}
