package dev.kopi.daemon.catalog;

import java.time.Instant;

import dev.kopi.daemon.core.SnapshotRef;

/** Sample records for catalog tests. */
final class Records {
    private Records() {
    }

    static SourceRecord source(String name) {
        return SourceRecord.ofDatadir(name, "/var/lib/postgresql/16/" + name, null, Instant.parse("2026-11-23T01:00:00Z"));
    }

    static SnapshotRecord snapshot(String source, String tag) {
        return SnapshotRecord.builder().source(source).tag(tag).createdAt(Instant.parse("2026-11-23T02:00:00Z"))
                .version("16").superuser("postgres").database("app").sizeBytes(123_456_789L).buildMs(4_200L).build();
    }

    static CloneRecord clone(String name, String snapshot) {
        return CloneRecord.builder().name(name).snapshot(SnapshotRef.parse(snapshot)).port(6501).user("kopi_ab12cd34")
                .password("Pw3xY7mK9qR2sT5vW8zA4bC6").database("app").createdAt(Instant.parse("2026-11-23T03:00:00Z"))
                .version("16").superuser("postgres").build();
    }

    static RefreshRecord refresh(String source) {
        return RefreshRecord.failed(source, Instant.parse("2026-11-23T02:00:00Z"), 4_321L, "pool is full", null);
    }
}
