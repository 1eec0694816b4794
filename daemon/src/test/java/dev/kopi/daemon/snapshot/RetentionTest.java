package dev.kopi.daemon.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.SnapshotLookup;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.clone.DestroyReason;
import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.daemon.testing.CloneFixture;
import dev.kopi.daemon.testing.SourcesFixture;

class RetentionTest {
    @TempDir
    Path tmp;
    private SourcesFixture x;
    private CloneFixture f;
    /** prod@d1 (oldest) .. prod@d5 (newest). */
    private SnapshotRecord d1;
    private SnapshotRecord d2;
    private SnapshotRecord d3;
    private SnapshotRecord d4;
    private SnapshotRecord d5;

    @BeforeEach
    void setUp() throws Exception {
        x = new SourcesFixture(tmp, Map.of());
        f = x.f;
        d1 = f.publish("prod", "20261119T030000Z", "2026-11-19T03:00:00Z");
        d2 = f.publish("prod", "20261120T030000Z", "2026-11-20T03:00:00Z");
        d3 = f.publish("prod", "20261121T030000Z", "2026-11-21T03:00:00Z");
        d4 = f.publish("prod", "20261122T030000Z", "2026-11-22T03:00:00Z");
        d5 = f.publish("prod", "20261123T030000Z", "2026-11-23T03:00:00Z");
    }

    @AfterEach
    void tearDown() {
        x.close();
    }

    private static Source keeping(String name, int keep) {
        return new Source(name, Source.Kind.DATADIR, Path.of("/srv/" + name), null, List.of(), null,
                new SourceSettings(null, keep, List.of(), null, null, null, null, null), Source.Origin.CONFIG);
    }

    private List<String> remaining(String source) {
        return SnapshotLookup.ofSource(f.catalog, source).stream().map(SnapshotRecord::name).toList();
    }

    @Test
    void keepZeroKeepsEverything() {
        assertEquals(List.of(), x.retention.apply(keeping("prod", 0)));
        assertEquals(5, remaining("prod").size());
        assertTrue(f.backend.destroyed().isEmpty());
    }

    @Test
    void keepsTheNewestNAndDeletesTheRestOldestLast() {
        List<String> deleted = x.retention.apply(keeping("prod", 2));
        assertEquals(List.of(d3.name(), d2.name(), d1.name()), deleted);
        assertEquals(List.of(d5.name(), d4.name()), remaining("prod"));
        for (SnapshotRecord s : List.of(d1, d2, d3)) {
            assertFalse(f.backend.contains(VolumeId.snapshot("prod", s.tag())), s.name());
        }
        List<Events.Event> events = x.events(EventKind.SNAPSHOT_DELETED);
        assertEquals(3, events.size());
        assertTrue(events.stream().allMatch(e -> e.reason().equals("retention")), events.toString());
    }

    @Test
    void keepOneLeavesOnlyTheNewest() {
        x.retention.apply(keeping("prod", 1));
        assertEquals(List.of(d5.name()), remaining("prod"));
        assertEquals(d5, SnapshotLookup.latest(f.catalog, "prod").orElseThrow());
    }

    @Test
    void keepingMoreThanThereAreDeletesNothing() {
        assertEquals(List.of(), x.retention.apply(keeping("prod", 5)));
        assertEquals(List.of(), x.retention.apply(keeping("prod", 50)));
        assertEquals(5, remaining("prod").size());
    }

    @Test
    void aSecondPassChangesNothing() {
        x.retention.apply(keeping("prod", 3));
        assertEquals(List.of(), x.retention.apply(keeping("prod", 3)));
        assertEquals(List.of(d5.name(), d4.name(), d3.name()), remaining("prod"));
    }

    @Test
    void otherSourcesAreLeftAlone() {
        SnapshotRecord other = f.publish("analytics", "20261101T000000Z", "2026-11-01T00:00:00Z");
        SnapshotRecord prefixed = f.publish("prod2", "20261101T000000Z", "2026-11-01T00:00:00Z");
        x.retention.apply(keeping("prod", 1));
        assertTrue(f.catalog.snapshot(other.ref()).isPresent());
        assertTrue(f.catalog.snapshot(prefixed.ref()).isPresent());
    }

    @Test
    void snapshotsWithClonesAreKeptUntilTheirLastCloneGoes() {
        f.existingClone("alice", d2, f.firstPort);
        List<String> deleted = x.retention.apply(keeping("prod", 2));
        assertEquals(List.of(d3.name(), d1.name()), deleted);
        assertEquals(List.of(d5.name(), d4.name(), d2.name()), remaining("prod"));
        assertTrue(f.catalog.clone("alice").isPresent(), "retention never destroys clones");

        f.clones.destroy("alice", DestroyReason.USER);
        assertEquals(List.of(d2.name()), x.retention.apply(keeping("prod", 2)));
        assertEquals(List.of(d5.name(), d4.name()), remaining("prod"));
    }

    @Test
    void snapshotsThatSnapshotsWereTakenFromAreKept() {
        SnapshotRecord branch = f.publishBranch("feature", "20261123T040000Z", "2026-11-23T04:00:00Z", d1, "alice");
        x.retention.apply(keeping("prod", 1));
        assertEquals(List.of(d5.name(), d1.name()), remaining("prod"));
        assertTrue(f.catalog.snapshot(branch.ref()).isPresent());

        f.catalog.removeSnapshot(branch.ref());
        assertEquals(List.of(d1.name()), x.retention.apply(keeping("prod", 1)));
    }

    @Test
    void theNewestIsKeptEvenWhenOlderOnesAreInUse() {
        f.existingClone("a", d1, f.firstPort);
        f.existingClone("b", d2, f.firstPort + 1);
        x.retention.apply(keeping("prod", 1));
        assertEquals(List.of(d5.name(), d2.name(), d1.name()), remaining("prod"));
    }

    @Test
    void snapshotsMadeInTheSameSecondAreOrderedByTag() {
        SnapshotRecord same2 = f.publish("shop", "20261123T030000Z-2", "2026-11-23T03:00:00Z");
        SnapshotRecord same1 = f.publish("shop", "20261123T030000Z", "2026-11-23T03:00:00Z");
        assertEquals(List.of(same1.name()), x.retention.apply(keeping("shop", 1)));
        assertEquals(List.of(same2.name()), remaining("shop"));
    }

    @Test
    void aSnapshotThatCannotBeDeletedIsSkippedAndTheOthersStillGo() {
        f.backend.failDestroyOf(VolumeId.snapshot("prod", d2.tag()));
        List<String> deleted = x.retention.apply(keeping("prod", 2));
        assertEquals(List.of(d3.name(), d1.name()), deleted);
        assertEquals(List.of(d5.name(), d4.name(), d2.name()), remaining("prod"));
    }

    @Test
    void aSourceWithoutSnapshotsIsFine() {
        assertEquals(List.of(), x.retention.apply(keeping("empty", 3)));
    }
}
