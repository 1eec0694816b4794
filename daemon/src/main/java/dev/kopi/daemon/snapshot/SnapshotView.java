package dev.kopi.daemon.snapshot;

import dev.kopi.daemon.catalog.SnapshotRecord;

/**
 * A snapshot as callers see it.
 *
 * @param record     the persisted record
 * @param cloneCount clones made from it that still exist
 * @param latest     whether the source name alone resolves to it
 * @param childCount snapshots taken of its clones (whose parent it is)
 * @param referencedBytes bytes on the pool it refers to; -1 when the pool cannot tell
 */
public record SnapshotView(SnapshotRecord record, int cloneCount, boolean latest, int childCount,
                           long referencedBytes) {
    public SnapshotView(SnapshotRecord record, int cloneCount, boolean latest) {
        this(record, cloneCount, latest, 0, -1);
    }
}
