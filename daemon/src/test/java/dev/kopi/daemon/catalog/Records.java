package dev.kopi.daemon.catalog;

/** Sample records for catalog tests. */
final class Records {
    private Records() {
    }

    static SourceRecord source(String name) {
        return new SourceRecord(name, "datadir", "/var/lib/postgresql/16/" + name, null, "2026-11-23T01:00:00Z");
    }

    static SnapshotRecord snapshot(String source, String tag) {
        return new SnapshotRecord(source, tag, "2026-11-23T02:00:00Z", "16", "postgres", "app", 123_456_789L, 4_200L);
    }

    static CloneRecord clone(String name, String snapshot) {
        return new CloneRecord(name, snapshot, 6501, "kopi_ab12cd34", "Pw3xY7mK9qR2sT5vW8zA4bC6", "app",
                "2026-11-23T03:00:00Z", "16", "postgres");
    }

    static RefreshRecord refresh(String source) {
        return new RefreshRecord(source, "2026-11-23T02:00:00Z", 4_321L, false, "pool is full", "");
    }
}
