package dev.kopi.daemon;

import dev.kopi.daemon.catalog.SnapshotRecord;

/**
 * A snapshot as callers see it.
 *
 * @param record     the persisted record
 * @param cloneCount clones made from it that still exist
 * @param latest     whether the source name alone resolves to it
 */
public record SnapshotView(SnapshotRecord record, int cloneCount, boolean latest) {
}
