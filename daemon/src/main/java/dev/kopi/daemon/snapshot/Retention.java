package dev.kopi.daemon.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotLookup;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.source.Source;

/**
 * Applies a source's {@code keep: N}: its newest N snapshots stay, older ones are deleted, except
 * a snapshot that still has clones (kept until its last clone goes, then deleted on the next
 * pass) or that snapshots were taken from (kept until they are deleted). Snapshots prepared from
 * an old snapshot under a key ({@link PreparedSnapshots}) go with it, unless they have clones: a
 * prepared snapshot is worth keeping only while its base is the one clients prepare from. What a
 * source name resolves to, its newest snapshot, is never deleted.
 */
public final class Retention {
    private static final Logger LOG = Logger.getLogger(Retention.class.getName());

    private final Catalog catalog;
    private final Snapshots snapshots;

    public Retention(Catalog catalog, Snapshots snapshots) {
        this.catalog = catalog;
        this.snapshots = snapshots;
    }

    /** One pass over {@code source}; returns the snapshots it deleted. */
    public List<String> apply(Source source) {
        int keep = source.settings().keep();
        List<String> deleted = new ArrayList<>();
        if (keep <= 0) {
            return deleted;
        }
        List<SnapshotRecord> all = SnapshotLookup.ofSource(catalog, source.name());
        for (SnapshotRecord s : all.subList(Math.min(keep, all.size()), all.size())) {
            deletePreparedFrom(s);
            if (!unused(catalog, s)) {
                continue;
            }
            try {
                snapshots.delete(s.ref(), false, DeleteReason.RETENTION);
                deleted.add(s.name());
                LOG.info("retention (keep " + keep + ") deleted " + s.name());
            } catch (KopiException e) {
                // A clone made a moment ago, or a delete racing ours: the next pass looks again.
                LOG.fine("retention kept " + s.name() + ": " + e.getMessage());
            }
        }
        return deleted;
    }

    private void deletePreparedFrom(SnapshotRecord base) {
        for (SnapshotRecord p : catalog.snapshots()) {
            if (p.prepared() != null && base.ref().equals(p.parent()) && unused(catalog, p)) {
                try {
                    snapshots.delete(p.ref(), false, DeleteReason.RETENTION);
                    LOG.info("retention deleted " + p.name() + ", prepared from " + base.name());
                } catch (KopiException e) {
                    LOG.fine("retention kept " + p.name() + ": " + e.getMessage());
                }
            }
        }
    }

    /** Whether {@code s} has no clones (warm ones aside) and no snapshot was taken from it. */
    static boolean unused(Catalog catalog, SnapshotRecord s) {
        for (CloneRecord c : catalog.clones()) {
            if (c.snapshot().equals(s.ref()) && !c.warm()) {
                return false;
            }
        }
        return catalog.snapshots().stream().noneMatch(o -> s.ref().equals(o.parent()));
    }
}
