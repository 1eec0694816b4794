package dev.kopi.daemon.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.rpc.Calls;
import dev.kopi.daemon.storage.SpaceUsage;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.daemon.testing.CloneFixture;

/** Snapshots taken of clones: child counts, space, deleting parents, events, branch arguments. */
class SnapshotsLineageTest {
    @TempDir
    Path tmp;
    private CloneFixture f;
    private Snapshots snapshots;
    private SnapshotRecord parent;
    private SnapshotRecord other;

    @BeforeEach
    void setUp() throws Exception {
        f = new CloneFixture(tmp);
        // No refresher: every branch call here must be refused before one would be needed.
        snapshots = new Snapshots(f.catalog, f.backend, f.clones, null, Set.of("prod", "cfg")::contains, f.events);
        parent = f.publish("prod", "20261123T020000Z", "2026-11-23T02:00:00Z");
        other = f.publish("prod", "20261124T020000Z", "2026-11-24T02:00:00Z");
    }

    private SnapshotRecord branch(String source, String tag) {
        return f.publishBranch(source, tag, "2026-11-23T05:00:00Z", parent, "c1");
    }

    private SnapshotView view(String name) {
        return snapshots.list("").stream().filter(v -> v.record().name().equals(name)).findFirst().orElseThrow();
    }

    // ------------------------------------------------------------------ list

    @Test
    void listCountsTheSnapshotsTakenOfEachSnapshotsClones() {
        branch("feature", "20261123T050000Z");
        branch("feature", "20261123T060000Z");
        branch("hotfix", "20261123T050000Z");

        assertEquals(3, view(parent.name()).childCount());
        assertEquals(0, view(other.name()).childCount());
        assertEquals(0, view("feature@20261123T050000Z").childCount());
    }

    @Test
    void listShowsWhatEachSnapshotReferencesOnThePool() {
        f.backend.setUsage(VolumeId.snapshot("prod", parent.tag()), new SpaceUsage(7_000_000, 4096));
        f.backend.setUsage(VolumeId.clone("c9"), new SpaceUsage(1, 1));
        assertEquals(7_000_000, view(parent.name()).referencedBytes(), "referenced, not exclusive");
        assertEquals(-1, view(other.name()).referencedBytes(), "not measured");
    }

    @Test
    void aBranchIsListedUnderItsOwnNameWithItsLineage() {
        SnapshotRecord b = branch("feature", "20261123T050000Z");
        List<SnapshotView> feature = snapshots.list("feature");
        assertEquals(1, feature.size());
        assertEquals(b, feature.get(0).record());
        assertEquals(parent.name(), feature.get(0).record().parent().toString());
        assertEquals("c1", feature.get(0).record().fromClone());
        assertTrue(feature.get(0).latest());
    }

    // ------------------------------------------------------------------ delete

    @Test
    void theParentOfOtherSnapshotsIsNotDeletedWithoutForce() {
        branch("feature", "20261123T050000Z");
        branch("hotfix", "20261123T050000Z");

        KopiException e = assertThrows(KopiException.class, () -> Calls.delete(snapshots, parent.name(), false));

        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("parent of 2 snapshot(s)"), e.getMessage());
        assertTrue(e.getMessage().contains("feature@20261123T050000Z, hotfix@20261123T050000Z"), e.getMessage());
        assertTrue(f.catalog.snapshot(parent.ref()).isPresent());
        assertTrue(f.backend.destroyed().isEmpty());
        assertTrue(f.events.recent().isEmpty());
        KopiException create = assertThrows(KopiException.class, () -> Calls.create(f.clones, parent.name(), "c2", null));
        assertFalse(create.getMessage().contains("being deleted"), "no longer marked as being deleted: "
                + create.getMessage());
    }

    @Test
    void forceDeletesTheParentAndKeepsItsChildren() {
        SnapshotRecord child = branch("feature", "20261123T050000Z");

        Snapshots.Deleted d = Calls.delete(snapshots, parent.name(), true);

        assertEquals(new Snapshots.Deleted(parent.name(), List.of()), d);
        assertTrue(f.catalog.snapshot(parent.ref()).isEmpty());
        assertEquals(List.of(VolumeId.snapshot("prod", parent.tag())), f.backend.destroyed());
        assertEquals(child, f.catalog.snapshot(child.ref()).orElseThrow(), "the child is kept as it was");
        assertTrue(f.backend.contains(VolumeId.snapshot("feature", child.tag())));
    }

    @Test
    void aChildCanBeDeletedAndThenItsParentWithoutForce() {
        SnapshotRecord child = branch("feature", "20261123T050000Z");
        Calls.delete(snapshots, child.name(), false);
        assertEquals(0, view(parent.name()).childCount());
        Calls.delete(snapshots, parent.name(), false);
        assertTrue(f.catalog.snapshot(parent.ref()).isEmpty());
    }

    @Test
    void clonesAreReportedBeforeChildren() {
        branch("feature", "20261123T050000Z");
        f.existingClone("a", parent, f.firstPort);
        KopiException e = assertThrows(KopiException.class, () -> Calls.delete(snapshots, parent.name(), false));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("1 clone(s) (a)"), e.getMessage());
    }

    @Test
    void deletePublishesEventsForTheClonesAndTheSnapshot() {
        f.existingClone("a", parent, f.firstPort);
        f.existingClone("b", parent, f.firstPort + 1);
        Calls.delete(snapshots, other.name(), false);
        Calls.delete(snapshots, parent.name(), true);

        List<Events.Event> es = f.events.recent();
        assertEquals(List.of("snapshot.deleted", "clone.destroyed", "clone.destroyed", "snapshot.deleted"),
                es.stream().map(e -> e.kind().word()).toList());
        assertEquals(List.of(other.name(), "a", "b", parent.name()), es.stream().map(Events.Event::name).toList());
        assertEquals(List.of("user", "snapshot-deleted", "snapshot-deleted", "forced"),
                es.stream().map(Events.Event::reason).toList());
        assertEquals("", es.get(0).message());
        assertEquals("destroyed clones a, b", es.get(3).message());
    }

    @Test
    void aRefusedDeletePublishesNothing() {
        f.existingClone("a", parent, f.firstPort);
        assertThrows(KopiException.class, () -> Calls.delete(snapshots, parent.name(), false));
        assertTrue(f.events.recent().isEmpty());
    }

    // ------------------------------------------------------------------ branch arguments

    private KopiException branchFails(String clone, String name, String message) {
        KopiException e = assertThrows(KopiException.class, () -> snapshots.branch(clone, name, message));
        assertTrue(f.events.recent().isEmpty());
        assertEquals(2, f.catalog.snapshots().size(), "no snapshot recorded");
        assertTrue(f.backend.destroyed().isEmpty());
        return e;
    }

    @Test
    void branchNeedsAName() {
        f.existingClone("c1", parent, f.firstPort);
        for (String missing : new String[] {null, ""}) {
            KopiException e = branchFails("c1", missing, null);
            assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
            assertTrue(e.getMessage().contains("--name"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Feature", "a b", "../x", "x@y", "-x", "a..b", "x/y"})
    void branchNameMustBeAValidName(String name) {
        f.existingClone("c1", parent, f.firstPort);
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, branchFails("c1", name, null).kind());
    }

    @Test
    void aSourceNameIsAlreadyExists() {
        f.existingClone("c1", parent, f.firstPort);
        KopiException e = branchFails("c1", "prod", null);
        assertEquals(KopiException.Kind.ALREADY_EXISTS, e.kind());
        assertTrue(e.getMessage().contains("is a source"), e.getMessage());
        assertEquals(KopiException.Kind.ALREADY_EXISTS, branchFails("c1", "cfg", null).kind());
    }

    @Test
    void anUnknownCloneIsNotFound() {
        assertEquals(KopiException.Kind.NOT_FOUND, branchFails("ghost", "feature", null).kind());
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, branchFails("Ghost", "feature", null).kind());
    }

    @ParameterizedTest
    @ValueSource(strings = {"two\nlines", "carriage\rreturn", "tab\tbed", "esc\u001b[2J", "sep\u2028arator", "nel\u0085"})
    void theMessageMustBeOneLine(String message) {
        f.existingClone("c1", parent, f.firstPort);
        KopiException e = branchFails("c1", "feature", message);
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("one line"), e.getMessage());
    }

    @Test
    void theMessageMayHaveAThousandCharactersButNotMore() {
        KopiException tooLong = branchFails("ghost", "feature", "m".repeat(1001));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, tooLong.kind());
        KopiException fits = branchFails("ghost", "feature", "m".repeat(1000));
        assertEquals(KopiException.Kind.NOT_FOUND, fits.kind(), "past the argument checks: " + fits.getMessage());
        assertEquals(KopiException.Kind.NOT_FOUND, branchFails("ghost", "feature", "ünïcode — fine").kind());
    }
}
