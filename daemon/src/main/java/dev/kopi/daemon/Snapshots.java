package dev.kopi.daemon;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.storage.StorageBackend;
import dev.kopi.daemon.storage.VolumeId;

/** Lists and deletes published snapshots. Publishing is the {@link dev.kopi.daemon.source.Refresher}'s job. */
public final class Snapshots {
    private static final Logger LOG = Logger.getLogger(Snapshots.class.getName());

    private final Catalog catalog;
    private final StorageBackend backend;
    private final Clones clones;

    public Snapshots(Catalog catalog, StorageBackend backend, Clones clones) {
        this.catalog = catalog;
        this.backend = backend;
        this.clones = clones;
    }

    /** Snapshots, newest first within each source; all sources when {@code source} is empty. */
    public List<SnapshotView> list(String source) {
        if (source != null && !source.isEmpty()) {
            Names.require("source", source);
        }
        Map<String, Integer> counts = new HashMap<>();
        for (CloneRecord c : catalog.clones()) {
            counts.merge(c.snapshot(), 1, Integer::sum);
        }
        Map<String, String> latest = new HashMap<>();
        List<SnapshotRecord> all = new ArrayList<>(catalog.snapshots());
        all.sort(java.util.Comparator.comparing(SnapshotRecord::source).thenComparing(SnapshotLookup.NEWEST_FIRST));
        List<SnapshotView> out = new ArrayList<>();
        for (SnapshotRecord s : all) {
            if (source != null && !source.isEmpty() && !s.source().equals(source)) {
                continue;
            }
            boolean isLatest = latest.putIfAbsent(s.source(), s.name()) == null;
            out.add(new SnapshotView(s, counts.getOrDefault(s.name(), 0), isLatest));
        }
        return out;
    }

    /** What a delete did. */
    public record Deleted(String name, List<String> destroyedClones) {
    }

    /**
     * Deletes a snapshot. While clones depend on it the delete is refused (FAILED_PRECONDITION),
     * unless {@code force}, which destroys those clones first.
     */
    public Deleted delete(String name, boolean force) {
        SnapshotRef ref = SnapshotRef.parse(name);
        if (!ref.exact()) {
            throw KopiException.invalid("give the exact snapshot to delete as SOURCE@TAG, not '" + name
                    + "' ('kopictl snapshots' lists them)");
        }
        SnapshotRecord snap = SnapshotLookup.resolve(catalog, ref);
        List<String> dependents = clones.beginSnapshotDeletion(snap.name());
        try {
            if (!dependents.isEmpty() && !force) {
                throw KopiException.precondition("snapshot " + snap.name() + " has " + dependents.size()
                        + " clone(s) (" + String.join(", ", dependents) + "); destroy them first, or delete with --force");
            }
            List<String> destroyed = new ArrayList<>();
            for (String clone : dependents) {
                try {
                    clones.destroy(clone);
                    destroyed.add(clone);
                } catch (KopiException e) {
                    if (e.kind() != KopiException.Kind.NOT_FOUND) {
                        throw e;
                    }
                }
            }
            backend.destroy(VolumeId.snapshot(snap.source(), snap.tag()));
            catalog.removeSnapshot(snap.name());
            LOG.info("deleted snapshot " + snap.name() + (destroyed.isEmpty() ? "" : " and clones " + destroyed));
            return new Deleted(snap.name(), destroyed);
        } finally {
            clones.endSnapshotDeletion(snap.name());
        }
    }
}
