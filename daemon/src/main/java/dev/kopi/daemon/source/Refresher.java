package dev.kopi.daemon.source;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.PreparedKey;
import dev.kopi.daemon.catalog.SnapshotLookup;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.postgres.ControlData;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.source.fill.Fill;
import dev.kopi.daemon.source.fill.Staging;
import dev.kopi.daemon.source.fill.StandaloneDataDir;
import dev.kopi.daemon.source.fill.Standbys;
import dev.kopi.daemon.storage.StorageBackend;
import dev.kopi.daemon.storage.StorageErrors;
import dev.kopi.daemon.storage.VolumeId;

/**
 * Builds a prepared snapshot of a source: fill a staging volume (a native snapshot or copy of a
 * data directory, pg_basebackup of a live server, a fresh cluster for a dump or seed scripts),
 * make it a data directory that starts on its own, start Postgres on it once
 * ({@link StagingRun}: recovery, restoring the dump or running the seed, transforms, scrub,
 * clean shutdown), seal it read-only and publish it in the catalog. Any failure removes the
 * staging volumes and leaves published snapshots as they were; a kopid killed midway leaves
 * staging volumes that its next start removes.
 *
 * <p>A snapshot of a clone starts Postgres on what its holder shaped: their postgresql.conf and
 * postgresql.auto.conf (commands run at start, libraries loaded), role settings and functions
 * that kopid's own statements may run. So that copy runs as a guest identity of its own, from
 * the clones' uid range, never as postgres.user (which owns every snapshot, staging volume and
 * standby): whatever the holder planted reaches the copy of their own data and nothing else.
 * The copy is given back to postgres.user, links checked again, once every process of the
 * guest has ended.
 */
public final class Refresher {
    private static final Logger LOG = Logger.getLogger(Refresher.class.getName());
    private static final DateTimeFormatter TAG = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final Staging staging;
    private final StorageBackend backend;
    private final Catalog catalog;
    private final Clock clock;
    private final StagingRun run;

    public Refresher(Staging staging, Catalog catalog, Clock clock) {
        this.staging = staging;
        this.backend = staging.backend();
        this.catalog = catalog;
        this.clock = clock;
        this.run = new StagingRun(staging, new ControlData(staging.tools()));
    }

    /** The standbys of replica sources. */
    public Standbys standbys() {
        return staging.standbys();
    }

    /**
     * Where a snapshot taken of a clone comes from, and the clone's own login roles, which are
     * disabled in the snapshot so the clone's password does not open the clones made from it;
     * for a prepared snapshot, its key (else null).
     */
    public record Lineage(SnapshotRef parent, String fromClone, String message, List<String> disableRoles,
                          PreparedKey prepared) {
        public Lineage(SnapshotRef parent, String fromClone, String message, List<String> disableRoles) {
            this(parent, fromClone, message, disableRoles, null);
        }
    }

    public SnapshotRecord refresh(Source source, Progress progress) {
        return refresh(source, progress, null);
    }

    /**
     * Builds a snapshot of {@code source}; with a lineage, of a clone's data directory. A seed
     * source whose scripts, transforms and version are unchanged since its newest snapshot is
     * not built again: that snapshot is returned (see {@link #upToDate}).
     */
    public SnapshotRecord refresh(Source source, Progress progress, Lineage lineage) {
        Fill fill = Fill.of(source, staging);
        fill.check(progress);
        return build(source, fill, progress, lineage, newTag(source.name()));
    }

    /**
     * Builds the snapshot of replica source {@code source} as it was at {@code target}, tagged
     * {@link PointInTime#tag()}: recovered from its kept history, then transformed and scrubbed
     * like every snapshot.
     */
    public SnapshotRecord pointInTime(Source source, PointInTime target, Progress progress) {
        Fill fill = Fill.pointInTime(source, staging, target);
        fill.check(progress);
        return build(source, fill, progress, null, target.tag());
    }

    /**
     * The newest snapshot of a seed source if it was built from exactly what a refresh would use
     * now; empty otherwise (and for every other kind of source).
     */
    public Optional<SnapshotRecord> upToDate(Source source) {
        if (source.kind() != Source.Kind.SEED) {
            return Optional.empty();
        }
        String hash = Fill.seedHashOf(source, staging.tools().binaries().newest());
        return SnapshotLookup.latest(catalog, source.name()).filter(s -> hash.equals(s.seedHash()));
    }

    private SnapshotRecord build(Source source, Fill fill, Progress progress, Lineage lineage, String tag) {
        long t0 = System.nanoTime();
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String prefix = source.name().length() > 50 ? source.name().substring(0, 50) : source.name();
        VolumeId stagingVolume = VolumeId.staging(prefix + "-" + id); // at most 59 characters
        VolumeId target = VolumeId.snapshot(source.name(), tag);
        boolean fromClone = source.origin() == Source.Origin.CLONE;
        OsUser guest = fromClone ? staging.guests().allocate() : null;
        boolean sealed = false;
        try {
            Path stagingPath = fill.make(stagingVolume, id, progress);
            progress.report("prepare", "preparing the data directory", 0, 0);
            StandaloneDataDir.make(stagingPath, fill.original(), fromClone, guest != null ? guest
                    : staging.tools().user());
            fill.prepare(stagingPath);
            progress.report("verify", fill.verifyMessage(), 0, 0);
            // A snapshot of a clone never keeps passwords: its holder may have set some.
            StagingRun.Facts facts = run.run(source, fill, id, stagingPath,
                    lineage == null ? List.of() : lineage.disableRoles(),
                    lineage == null && source.settings().keepPasswords(), guest, progress);
            progress.report("publish", "publishing " + target.name() + "@" + tag, 0, 0);
            staging.instances().prepareForClones(stagingPath);
            // From here the target may exist even if seal fails half-way: clean it up as well.
            sealed = true;
            backend.seal(stagingVolume, target);
            SnapshotRecord record = SnapshotRecord.builder().source(source.name()).tag(tag)
                    .createdAt(fill.asOf() != null ? fill.asOf() : clock.instant())
                    .version(fill.version()).superuser(facts.superuser()).database(facts.database())
                    .sizeBytes(facts.sizeBytes()).buildMs((System.nanoTime() - t0) / 1_000_000)
                    .seedHash(fill.builtSeedHash()).build();
            if (lineage != null) {
                record = record.branchedFrom(lineage.parent(), lineage.fromClone(), lineage.message()).toBuilder()
                        .prepared(lineage.prepared()).build();
            }
            catalog.putSnapshot(record);
            LOG.info("published snapshot " + record.name() + " (" + facts.sizeBytes() + " bytes) in "
                    + record.buildMs() + " ms");
            return record;
        } catch (IOException e) {
            cleanup(stagingVolume, target, sealed);
            throw StorageErrors.wrap("snapshot source " + source.name(), e);
        } catch (RuntimeException e) {
            cleanup(stagingVolume, target, sealed);
            throw e;
        } finally {
            fill.cleanup();
            if (guest != null) {
                endGuest(guest);
            }
        }
    }

    /** Ends whatever still runs as {@code guest} and gives its uid back; kept out of use if that fails. */
    private void endGuest(OsUser guest) {
        try {
            staging.instances().end(guest);
            staging.guests().release(guest.uid());
        } catch (RuntimeException e) {
            // Not handed out again until kopid's next start, which ends what runs as it.
            LOG.warning("could not end the processes of " + guest.name() + ": " + e.getMessage());
        }
    }

    private void cleanup(VolumeId stagingVolume, VolumeId target, boolean sealed) {
        try {
            staging.destroyQuietly(stagingVolume); // a no-op when seal got as far as consuming it
            if (sealed) {
                backend.destroy(target); // never published: the catalog write is the last step
            }
        } catch (RuntimeException e) {
            // Reconcile on the next start removes whatever is left; the original error matters more.
            LOG.warning("cleanup after a failed refresh left debris: " + e.getMessage());
        }
    }

    /** A UTC timestamp tag, unique among the source's snapshots. */
    private String newTag(String source) {
        String base = TAG.format(clock.instant());
        String tag = base;
        List<VolumeId> volumes = backend.list(); // on ZFS an unmounted volume has no path on disk
        for (int i = 2; catalog.snapshot(SnapshotRef.of(source, tag)).isPresent()
                || volumes.contains(VolumeId.snapshot(source, tag)); i++) {
            tag = base + "-" + i;
        }
        return tag;
    }

    /** For tests: the instant a tag would carry. */
    static String tagOf(Instant instant) {
        return TAG.format(instant);
    }
}
