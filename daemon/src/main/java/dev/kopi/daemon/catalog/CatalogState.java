package dev.kopi.daemon.catalog;

import java.util.Map;
import java.util.TreeMap;

/** What the catalog file holds; a plain value written and read as JSON. */
public record CatalogState(int version, Map<String, SourceRecord> sources, Map<String, SnapshotRecord> snapshots,
                           Map<String, CloneRecord> clones, Map<String, RefreshRecord> refreshes) {
    static final int CURRENT = 1;

    public static CatalogState empty() {
        return new CatalogState(CURRENT, new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>());
    }

    /** Jackson leaves absent maps null; normalise to sorted, mutable maps. */
    CatalogState normalized() {
        return new CatalogState(version, copy(sources), copy(snapshots), copy(clones), copy(refreshes));
    }

    private static <V> Map<String, V> copy(Map<String, V> m) {
        return m == null ? new TreeMap<>() : new TreeMap<>(m);
    }
}
