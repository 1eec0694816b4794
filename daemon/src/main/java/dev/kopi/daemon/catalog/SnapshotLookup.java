package dev.kopi.daemon.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.SnapshotRef;

/** Resolves what a user typed (SOURCE or SOURCE@TAG) to one published snapshot. */
public final class SnapshotLookup {
    /** Newest first: by creation time, then tag. */
    public static final Comparator<SnapshotRecord> NEWEST_FIRST = Comparator.comparing(SnapshotRecord::createdAt)
            .thenComparing(SnapshotRecord::tag).reversed();

    private SnapshotLookup() {
    }

    public static SnapshotRecord resolve(Catalog catalog, SnapshotRef ref) {
        if (ref.exact()) {
            return catalog.snapshot(ref).orElseThrow(() -> KopiException.notFound("snapshot " + ref
                    + " does not exist ('kopictl snapshots' lists them)"));
        }
        return latest(catalog, ref.source()).orElseThrow(() -> KopiException.notFound("there is no snapshot of '"
                + ref.source() + "' ('kopictl snapshots' lists them; 'kopictl refresh " + ref.source()
                + "' makes one)"));
    }

    /**
     * The snapshot SOURCE means: its newest, leaving out point-in-time snapshots (a past moment
     * asked for once is never what "the newest" means, whatever moment it holds).
     */
    public static Optional<SnapshotRecord> latest(Catalog catalog, String source) {
        return ofSource(catalog, source).stream().filter(s -> !isPointInTime(s)).findFirst();
    }

    /** Whether {@code s} was recovered to a past moment of a replica source (tag "at-..." or "lsn-..."). */
    public static boolean isPointInTime(SnapshotRecord s) {
        return s.tag().startsWith("at-") || s.tag().startsWith("lsn-");
    }

    /** The source's snapshots, newest first. */
    public static List<SnapshotRecord> ofSource(Catalog catalog, String source) {
        return catalog.snapshots().stream().filter(s -> s.source().equals(source)).sorted(NEWEST_FIRST).toList();
    }
}
