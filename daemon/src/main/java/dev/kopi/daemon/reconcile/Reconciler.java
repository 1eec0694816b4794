package dev.kopi.daemon.reconcile;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.logging.Logger;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.clone.Clones;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.postgres.Instances;
import dev.kopi.daemon.postgres.PortAllocator;
import dev.kopi.daemon.process.StrayTools;
import dev.kopi.daemon.storage.StorageBackend;
import dev.kopi.daemon.storage.VolumeId;

/**
 * Brings the catalog and the pool back in line when kopid starts, whatever moment it was killed
 * at. The catalog is the truth for what was promised to users, the disk for what exists:
 * staging volumes and unrecorded volumes are half-made work and are removed (with any postgres
 * running on them); records whose volume is gone are dropped; recorded clones are re-adopted if
 * their postgres still runs, and restarted if not.
 */
public final class Reconciler {
    private static final Logger LOG = Logger.getLogger(Reconciler.class.getName());

    private final Catalog catalog;
    private final StorageBackend backend;
    private final Instances instances;
    private final Clones clones;
    private final PortAllocator ports;
    private final Predicate<String> isSource;

    /** @param isSource whether a name is a source now: a replica source's volumes live as long as it */
    public Reconciler(Catalog catalog, StorageBackend backend, Instances instances, Clones clones,
                      PortAllocator ports, Predicate<String> isSource) {
        this.isSource = isSource;
        this.catalog = catalog;
        this.backend = backend;
        this.instances = instances;
        this.clones = clones;
        this.ports = ports;
    }

    /** What reconcile did, for the log and for tests. */
    public record Report(int removedVolumes, int droppedRecords, int adopted, int restarted, int failed) {
    }

    public Report run() {
        List<VolumeId> volumes = backend.list();
        Set<String> recordedClones = new HashSet<>(); // by volume name: a handed-out warm clone keeps its own
        catalog.clones().forEach(c -> recordedClones.add(c.volumeName()));
        Set<SnapshotRef> recordedSnapshots = new HashSet<>();
        catalog.snapshots().forEach(s -> recordedSnapshots.add(s.ref()));
        Set<SnapshotRef> referencedSnapshots = new HashSet<>();
        catalog.clones().forEach(c -> referencedSnapshots.add(c.snapshot()));

        // Tools of a refresh that was running when kopid died (and what they forked) go first.
        StrayTools.kill(backend.path(VolumeId.staging("x")).getParent());
        // So do the processes holders of vanished clones left: they would keep a leftover volume
        // busy, and reach the next clone given their uid.
        Set<VolumeId> onDisk = new HashSet<>(volumes);
        Set<Integer> held = new HashSet<>();
        catalog.clones().stream().filter(c -> c.uid() != null && onDisk.contains(VolumeId.clone(c.volumeName())))
                .forEach(c -> held.add(c.uid()));
        clones.endStrayProcesses(held);
        int removed = 0;
        // Clones before snapshots: on ZFS a snapshot volume cannot go while clones of it exist.
        for (VolumeId v : volumes) {
            boolean orphan = switch (v.kind()) {
                case STAGING -> true;
                case CLONE -> !recordedClones.contains(v.name());
                case SNAPSHOT -> false;
                case REPLICA -> !isSource.test(v.name());
            };
            if (orphan) {
                removed += remove(v);
            }
        }
        for (VolumeId v : volumes) {
            if (v.kind() != VolumeId.Kind.SNAPSHOT) {
                continue;
            }
            SnapshotRef ref = SnapshotRef.of(v.name(), v.tag());
            if (!recordedSnapshots.contains(ref)) {
                if (referencedSnapshots.contains(ref)) {
                    LOG.warning("snapshot volume " + v + " has no record but clones refer to it; kept");
                } else {
                    removed += remove(v);
                }
            }
        }

        Set<VolumeId> present = new HashSet<>(volumes);
        requireSomeRecordedVolume(present);
        List<SnapshotRef> goneSnapshots = new ArrayList<>();
        for (SnapshotRecord s : catalog.snapshots()) {
            if (!present.contains(VolumeId.snapshot(s.source(), s.tag()))) {
                goneSnapshots.add(s.ref());
            }
        }
        List<String> goneClones = new ArrayList<>();
        for (CloneRecord c : catalog.clones()) {
            if (!present.contains(VolumeId.clone(c.volumeName()))) {
                goneClones.add(c.name());
            }
        }
        if (!goneSnapshots.isEmpty() || !goneClones.isEmpty()) {
            LOG.warning("dropping records whose volumes are gone: snapshots " + goneSnapshots + ", clones " + goneClones);
            catalog.removeAll(goneSnapshots, goneClones);
        }

        int adopted = 0;
        int restarted = 0;
        int failed = 0;
        for (CloneRecord c : catalog.clones()) {
            ports.claim(c.port());
            try {
                if (clones.adopt(c) == Clones.Adoption.ADOPTED) {
                    adopted++;
                } else {
                    restarted++;
                }
            } catch (RuntimeException e) {
                failed++;
                LOG.warning("clone " + c.name() + " could not be restarted (it stays, marked failed): " + e.getMessage());
            }
        }
        Set<Integer> portsInUse = new HashSet<>();
        catalog.clones().forEach(c -> portsInUse.add(c.port()));
        instances.removeStale(portsInUse);
        Report r = new Report(removed, goneSnapshots.size() + goneClones.size(), adopted, restarted, failed);
        LOG.info("reconciled: " + r);
        return r;
    }

    /**
     * A catalog with records of which not one volume is in the pool almost certainly means the
     * wrong pool (or none) is mounted: refuse to forget everything rather than do it silently.
     */
    private void requireSomeRecordedVolume(Set<VolumeId> present) {
        List<VolumeId> recorded = new ArrayList<>();
        catalog.snapshots().forEach(s -> recorded.add(VolumeId.snapshot(s.source(), s.tag())));
        catalog.clones().forEach(c -> recorded.add(VolumeId.clone(c.volumeName())));
        if (!recorded.isEmpty() && recorded.stream().noneMatch(present::contains)) {
            throw KopiException.precondition("the catalog records " + catalog.snapshots().size() + " snapshot(s) and "
                    + catalog.clones().size() + " clone(s), but none of their volumes is in the pool at "
                    + backend.location() + ": is the right pool mounted? kopid will not forget them; fix the pool, "
                    + "or move the catalog file away to start over");
        }
    }

    private int remove(VolumeId v) {
        try {
            instances.stop(backend.path(v));
            backend.destroy(v);
            LOG.info("removed leftover volume " + v);
            return 1;
        } catch (RuntimeException e) {
            LOG.warning("could not remove leftover volume " + v + ": " + e.getMessage());
            return 0;
        }
    }
}
