package dev.kopi.daemon.clone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.postgres.InstanceSpec;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.daemon.testing.CloneFixture;
import dev.kopi.daemon.testing.FakeInstances;

/** The success paths of create, reset, destroy and adoption, on instances that start (a fake). */
class ClonesSuccessTest {
    @TempDir
    Path tmp;
    private CloneFixture f;
    private FakeInstances fake;
    private SnapshotRecord older;
    private SnapshotRecord newer;

    @BeforeEach
    void setUp() throws Exception {
        f = new CloneFixture(tmp, ClonePolicy.DEFAULTS, CloneFixture.Kind.FAKE);
        fake = f.fake;
        older = f.publish("prod", "20261123T020000Z", "2026-11-23T02:00:00Z");
        newer = f.publish("prod", "20261124T020000Z", "2026-11-24T02:00:00Z");
    }

    private CloneView create(String snapshot, String name) {
        return f.clones.create(CloneRequest.of(SnapshotRef.parse(snapshot)).named(name));
    }

    private List<Events.Event> events(EventKind kind) {
        return f.events.recent().stream().filter(e -> e.kind() == kind).toList();
    }

    @Test
    void createMakesTheVolumeStartsTheInstanceWithTheClonesRoleAndRecordsIt() {
        CloneView v = create("prod", "c1");

        assertEquals(CloneView.State.RUNNING, v.state());
        CloneRecord r = f.catalog.clone("c1").orElseThrow();
        assertEquals(r, v.record());
        assertEquals(newer.ref(), r.snapshot(), "the source's newest snapshot");
        assertEquals("app", r.database());
        assertEquals(CloneFixture.NOW, r.createdAt());
        assertTrue(f.backend.contains(VolumeId.clone("c1")));
        assertEquals(CloneFixture.PORTS - 1, f.ports.free());
        assertTrue(r.port() >= f.firstPort && r.port() < f.firstPort + CloneFixture.PORTS);

        InstanceSpec spec = fake.started().get(0);
        assertEquals(InstanceSpec.Kind.CLONE, spec.kind());
        assertEquals("c1", spec.name());
        assertEquals(f.dir("c1"), spec.dataDir());
        assertEquals(r.port(), spec.port());
        assertEquals(r.user(), spec.role().user());
        assertEquals(r.password(), spec.role().password());
        assertTrue(spec.role().fresh(), "a new clone's role is created, not altered");
        assertEquals(fake.pid(f.dir("c1")).orElseThrow(), v.pid());
        assertTrue(v.uri().startsWith("postgresql://" + r.user() + ":" + r.password() + "@127.0.0.1:" + r.port()),
                v.uri());

        List<Events.Event> created = events(EventKind.CLONE_CREATED);
        assertEquals(1, created.size());
        assertEquals("from " + newer.name() + " on port " + r.port(), created.get(0).message());
    }

    @Test
    void eachCloneRunsAsAnIdentityOfItsOwnWhichOwnsItsVolume() {
        CloneRecord a = create("prod", "a").record();
        CloneRecord b = create("prod", "b").record();
        assertTrue(a.uid() >= CloneFixture.UID_FIRST && b.uid() >= CloneFixture.UID_FIRST);
        assertFalse(a.uid().equals(b.uid()), "one identity per clone");
        assertEquals(List.of(f.dir("a") + " -> " + a.uid(), f.dir("b") + " -> " + b.uid()), fake.given(),
                "each volume given to its clone's identity before its instance starts");
        assertEquals(a.uid(), fake.started().get(0).user().uid());
        assertTrue(fake.started().get(0).user().bare(), "a bare uid: no passwd entry, no groups");

        f.clones.destroy("a");
        CloneRecord c = create("prod", "c").record();
        assertFalse(c.uid().equals(b.uid()));
    }

    @Test
    void aResetGivesTheNewVolumeToTheSameIdentity() {
        CloneRecord before = create("prod", "c1").record();
        CloneView after = f.clones.reset("c1", Optional.empty(), false);
        assertEquals(before.uid(), after.record().uid());
        assertEquals(f.dir(after.record().volumeName()) + " -> " + before.uid(), fake.given().get(1));
    }

    @Test
    void whatAHolderLeftRunningGoesWithTheCloneAndWithTheOldVolumeOfAReset() {
        CloneRecord a = create("prod", "a").record();
        CloneRecord b = create("prod", "b").record();
        f.clones.reset("a", Optional.empty(), false);
        assertEquals(List.of(a.uid()), fake.endedUids(), "a reset ends the holder's processes before the old volume goes");
        f.clones.destroy("b");
        assertEquals(List.of(a.uid(), b.uid()), fake.endedUids().stream().distinct().toList());
    }

    @Test
    void onStartTheProcessesOfIdentitiesNoCloneHoldsAreEnded() {
        CloneRecord held = create("prod", "kept").record();
        int stray = CloneFixture.UID_FIRST + 500;
        fake.strayProcessOf(held.uid());
        fake.strayProcessOf(stray);
        fake.strayProcessOf(101); // postgres.user: not a clone identity
        assertEquals(1, f.clones.endStrayProcesses(Set.of(held.uid())));
        assertEquals(List.of(stray), fake.endedUids());
    }

    @Test
    void aCloneRecordedBeforeIdentitiesRunsAsBefore() {
        CloneRecord legacy = f.existingClone(CloneFixture.cloneRecord("old", older, f.firstPort));
        f.clones.adopt(legacy);
        assertEquals(null, fake.started().get(0).user(), "postgres.user, as the clone always ran");
        assertTrue(fake.given().isEmpty(), "its files are left as they are");
    }

    @Test
    void aCloneWithoutANameIsNamedAfterItsSource() {
        CloneView v = f.clones.create(CloneRequest.of(SnapshotRef.parse(older.name())));
        assertTrue(v.record().name().matches("prod-[a-z2-9]{6}"), v.record().name());
        assertEquals(older.ref(), v.record().snapshot());
    }

    @Test
    void theRequestedDatabaseIsTheConnectionsAndTheInstanceIsReachedThere() {
        CloneView v = f.clones.create(CloneRequest.of(SnapshotRef.parse("prod")).named("c1").inDatabase("other"));
        assertEquals("other", v.record().database());
        assertEquals("other", fake.started().get(0).database());
    }

    @Test
    void aLifetimeIsRecordedFromTheRequest() {
        CloneView v = f.clones.create(CloneRequest.of(SnapshotRef.parse("prod")).named("c1")
                .living(Duration.ofHours(2), Duration.ofMinutes(30)).protecting(true));
        assertEquals(CloneFixture.NOW.plus(Duration.ofHours(2)), v.record().expiresAt());
        assertEquals(Duration.ofMinutes(30), v.record().idleTimeout());
        assertTrue(v.record().protect());
    }

    @Test
    void aStartThatFailsUndoesEverything() {
        fake.failNextStart(KopiException.exhausted("not enough memory or processes for another instance"));
        KopiException e = assertThrows(KopiException.class, () -> create("prod", "c1"));
        assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED, e.kind());
        assertTrue(f.catalog.clone("c1").isEmpty(), "no record");
        assertFalse(f.backend.contains(VolumeId.clone("c1")), "no volume");
        assertEquals(CloneFixture.PORTS, f.ports.free(), "no port");
        assertEquals("c1", fake.removed().get(0).name(), "its runtime files removed");
        assertTrue(fake.runningDirs().isEmpty());
        assertTrue(events(EventKind.CLONE_CREATED).isEmpty());
        assertFalse(f.clones.locks().isBusy("c1"));
    }

    @Test
    void aDatabaseTheSnapshotLacksIsNotFoundNamingTheSnapshot() {
        fake.failNextStart(KopiException.notFound("database 'nope' does not exist"));
        KopiException e = assertThrows(KopiException.class,
                () -> f.clones.create(CloneRequest.of(SnapshotRef.parse("prod")).named("c1").inDatabase("nope")));
        assertEquals(KopiException.Kind.NOT_FOUND, e.kind());
        assertEquals("database 'nope' does not exist in snapshot " + newer.name(), e.getMessage());
        assertTrue(f.catalog.clone("c1").isEmpty());
    }

    @Test
    void resetStartsAFreshVolumeWithTheSamePortAndCredentials() {
        CloneRecord before = create(older.name(), "c1").record();
        f.clock.advance(Duration.ofMinutes(5));

        CloneView after = f.clones.reset("c1", Optional.empty(), true);

        assertEquals(CloneView.State.RUNNING, after.state());
        assertEquals(newer.ref(), after.record().snapshot());
        assertEquals(before.port(), after.record().port());
        assertEquals(before.user(), after.record().user());
        assertEquals(before.password(), after.record().password());
        assertEquals(1, after.record().resetCount());
        assertEquals(CloneFixture.NOW.plus(Duration.ofMinutes(5)), after.record().resetAt());
        assertEquals(after.record(), f.catalog.clone("c1").orElseThrow());
        assertEquals(List.of(VolumeId.clone("c1")), f.backend.destroyed(), "the old volume went");
        assertEquals(2, fake.started().size());
        assertEquals(1, events(EventKind.CLONE_RESET).size());
        assertFalse(f.clones.locks().isBusy("c1"));
    }

    @Test
    void destroyStopsTheInstanceAndRemovesItsFilesVolumePortAndRecord() {
        create("prod", "c1");
        f.clones.destroy("c1");
        assertTrue(f.catalog.clone("c1").isEmpty());
        assertFalse(f.backend.contains(VolumeId.clone("c1")));
        assertEquals(CloneFixture.PORTS, f.ports.free());
        assertTrue(fake.runningDirs().isEmpty());
        assertEquals("c1", fake.removed().get(0).name());
        assertEquals("user", events(EventKind.CLONE_DESTROYED).get(0).reason());
    }

    @Test
    void listShowsAClonesDeadInstanceAsFailedWithItsLog() {
        create("prod", "c1");
        fake.kill(f.dir("c1"));
        CloneView v = f.clones.get("c1");
        assertEquals(CloneView.State.FAILED, v.state());
        assertEquals(0, v.pid());
        assertEquals("instance is not running; see /fake/logs/c1.log", v.message());
    }

    @Test
    void adoptionKeepsARunningInstanceAndRestartsAStoppedOneReassertingItsRole() {
        CloneRecord running = f.existingClone(CloneFixture.cloneRecord("a", older, f.firstPort));
        CloneRecord stopped = f.existingClone(CloneFixture.cloneRecord("b", older, f.firstPort + 1));
        fake.adoptable(f.dir("a"));

        assertEquals(Clones.Adoption.ADOPTED, f.clones.adopt(running));
        assertEquals(Clones.Adoption.RESTARTED, f.clones.adopt(stopped));

        assertEquals(1, fake.started().size(), "only the stopped one was started");
        InstanceSpec spec = fake.started().get(0);
        assertEquals("b", spec.name());
        assertFalse(spec.role().fresh(), "after a restart the role is altered first: it most likely exists");
    }

    @Test
    void checkpointAsksTheClonesInstance() {
        CloneRecord r = create("prod", "c1").record();
        f.clones.checkpoint(r);
        assertEquals(List.of("c1"), fake.checkpoints());
    }

    @Test
    void aCreatedCloneIsNotWarmAndShowsInTheList() {
        create("prod", "c1");
        assertEquals(List.of("c1"), f.clones.list(Optional.empty()).stream().map(c -> c.record().name()).toList());
        assertTrue(f.clones.warm().isEmpty());
        assertNull(f.catalog.clone("c1").orElseThrow().volume());
    }
}
