package dev.kopi.daemon.storage.zfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.storage.SpaceUsage;
import dev.kopi.daemon.storage.VolumeId;

/**
 * Destroying volumes that other datasets depend on (snapshots taken of clones, "branches"), and
 * per-volume space figures, as exact zfs command sequences against the in-memory zfs.
 */
class ZfsBackendDependentsTest {
    private static final String ROOT = "tank/kopi";
    private static final VolumeId STAGING = VolumeId.staging("prod-0a1b2c3d");
    private static final VolumeId SNAP = VolumeId.snapshot("prod", "20261123T020000Z");
    private static final VolumeId CLONE = VolumeId.clone("c1");
    private static final VolumeId BRANCH_STAGING = VolumeId.staging("feature-0a0a0a0a");
    private static final VolumeId BRANCH = VolumeId.snapshot("feature", "20261123T050000Z");

    private static final String SNAP_DS = "tank/kopi/snapshots/prod/20261123T020000Z";
    private static final String CLONE_DS = "tank/kopi/clones/c1";
    private static final String BRANCH_DS = "tank/kopi/snapshots/feature/20261123T050000Z";
    /** The snapshot of the clone that the branch was made from. */
    private static final String BRANCH_ORIGIN = CLONE_DS + "@kopi-feature-0a0a0a0a";

    private FakeZfs zfs;
    private ZfsBackend backend;

    @BeforeEach
    void setUp() {
        zfs = new FakeZfs("tank");
        backend = new ZfsBackend(ROOT, zfs);
        backend.create(STAGING);
        backend.seal(STAGING, SNAP);
        backend.clone(SNAP, CLONE);
    }

    /** What a branch of clone c1 does on the pool: snapshot the clone's dataset, clone that, seal it. */
    private void branch(VolumeId staging, VolumeId target) {
        Path p = backend.snapshotOf(backend.path(CLONE), staging).orElseThrow();
        assertEquals(backend.path(staging), p);
        backend.seal(staging, target);
    }

    private static List<String> zfsCall(String... args) {
        List<String> out = new ArrayList<>();
        out.add("zfs");
        out.addAll(List.of(args));
        return out;
    }

    private static List<String> listDependents(String ds) {
        return zfsCall("list", "-H", "-o", "name,origin", "-t", "filesystem", "-r", "tank");
    }

    private static List<String> listSnapshots(String ds) {
        return zfsCall("list", "-H", "-o", "name", "-t", "snapshot", "-r", ds);
    }

    @Test
    void aBranchDependsOnTheCloneItWasTakenOf() {
        branch(BRANCH_STAGING, BRANCH);
        assertEquals(BRANCH_ORIGIN, zfs.datasets.get(BRANCH_DS).get("origin"));
        assertEquals(List.of(BRANCH_DS), zfs.clonesOf(BRANCH_ORIGIN));
    }

    @Test
    void destroyingACloneWithABranchPromotesTheBranchFirst() {
        branch(BRANCH_STAGING, BRANCH);
        zfs.calls.clear();

        backend.destroy(CLONE);

        assertEquals(List.of(
                zfsCall("list", "-H", "-o", "name", CLONE_DS),
                listDependents(CLONE_DS),
                listSnapshots(BRANCH_DS),
                listSnapshots(CLONE_DS),
                zfsCall("promote", BRANCH_DS),
                listDependents(CLONE_DS),
                zfsCall("get", "-H", "-o", "value", "origin", CLONE_DS),
                zfsCall("destroy", "-r", "-f", CLONE_DS),
                zfsCall("destroy", BRANCH_DS + "@kopi-feature-0a0a0a0a")), zfs.calls);

        assertFalse(zfs.datasets.containsKey(CLONE_DS));
        assertEquals(SNAP_DS + "@kopi", zfs.datasets.get(BRANCH_DS).get("origin"), "the branch took over the clone's origin");
        assertEquals(List.of(BRANCH_DS + "@kopi"), zfs.snapshotsOf(BRANCH_DS), "the clone's snapshot went with it");
        assertEquals(List.of(BRANCH, SNAP), backend.list());
    }

    @Test
    void aBranchCanStillBeClonedAfterItsCloneIsGone() {
        branch(BRANCH_STAGING, BRANCH);
        backend.destroy(CLONE);
        backend.clone(BRANCH, VolumeId.clone("c2"));
        assertEquals(BRANCH_DS + "@kopi", zfs.datasets.get("tank/kopi/clones/c2").get("origin"));
    }

    @Test
    void destroyingTheParentOfAPromotedBranchRenamesTheCollidingSealSnapshotFirst() {
        branch(BRANCH_STAGING, BRANCH);
        backend.destroy(CLONE); // the branch now hangs off SNAP@kopi, and has its own @kopi
        zfs.calls.clear();

        backend.destroy(SNAP);

        List<List<String>> renames = zfs.callsOf("rename");
        assertEquals(1, renames.size(), zfs.calls.toString());
        String moved = renames.get(0).get(3);
        assertTrue(moved.matches(SNAP_DS.replace(".", "\\.") + "@kopi-moved-[0-9a-f]+"), moved);
        String movedName = moved.substring(SNAP_DS.length() + 1);
        assertEquals(List.of(
                zfsCall("list", "-H", "-o", "name", SNAP_DS),
                listDependents(SNAP_DS),
                listSnapshots(BRANCH_DS),
                listSnapshots(SNAP_DS),
                zfsCall("rename", SNAP_DS + "@kopi", moved),
                zfsCall("promote", BRANCH_DS),
                listDependents(SNAP_DS),
                zfsCall("get", "-H", "-o", "value", "origin", SNAP_DS),
                zfsCall("destroy", "-r", "-f", SNAP_DS),
                zfsCall("destroy", BRANCH_DS + "@" + movedName),
                zfsCall("destroy", "tank/kopi/snapshots/prod")), zfs.calls); // its last snapshot went

        assertEquals(List.of(BRANCH), backend.list());
        assertFalse(zfs.datasets.get(BRANCH_DS).containsKey("origin"), "the branch stands on its own");
        assertEquals(List.of(BRANCH_DS + "@kopi"), zfs.snapshotsOf(BRANCH_DS), "its own seal is untouched");
    }

    @Test
    void withoutTheRenameThePromotionWouldCollide() throws Exception {
        branch(BRANCH_STAGING, BRANCH);
        backend.destroy(CLONE);
        zfs.calls.clear();
        zfs.fail("rename", 1, "cannot rename: permission denied");

        KopiException e = assertThrows(KopiException.class, () -> backend.destroy(SNAP));

        assertEquals(KopiException.Kind.INTERNAL, e.kind());
        assertTrue(zfs.callsOf("promote").isEmpty(), "no promotion is tried after the failed rename");
        assertTrue(zfs.callsOf("destroy").isEmpty());
        assertTrue(zfs.datasets.containsKey(SNAP_DS));
        assertEquals(SNAP_DS + "@kopi", zfs.datasets.get(BRANCH_DS).get("origin"), "nothing changed");
        // ... and promoting without renaming first is refused, as ZFS refuses it.
        ProcessRunner.Result r = zfs.run(zfsCall("promote", BRANCH_DS),
                Duration.ofSeconds(1));
        assertFalse(r.ok());
        assertTrue(r.stderr().contains("conflicts"), r.stderr());
    }

    @Test
    void everyDependentIsPromotedOneAfterTheOther() {
        VolumeId secondStaging = VolumeId.staging("hotfix-0b0b0b0b");
        VolumeId second = VolumeId.snapshot("hotfix", "20261123T060000Z");
        branch(BRANCH_STAGING, BRANCH);
        branch(secondStaging, second);
        zfs.calls.clear();

        backend.destroy(CLONE);

        assertEquals(List.of(zfsCall("promote", BRANCH_DS),
                zfsCall("promote", "tank/kopi/snapshots/hotfix/20261123T060000Z")), zfs.callsOf("promote"));
        assertEquals(List.of(BRANCH, second, SNAP), backend.list());
        assertFalse(zfs.datasets.containsKey(CLONE_DS));
    }

    @Test
    void aCloneWithoutDependentsIsDestroyedWithoutPromotion() {
        zfs.calls.clear();
        backend.destroy(CLONE);
        assertEquals(List.of(
                zfsCall("list", "-H", "-o", "name", CLONE_DS),
                listDependents(CLONE_DS),
                zfsCall("get", "-H", "-o", "value", "origin", CLONE_DS),
                zfsCall("destroy", "-r", "-f", CLONE_DS)), zfs.calls);
        assertEquals(List.of(SNAP_DS + "@kopi"), zfs.snapshotsOf(SNAP_DS), "the snapshot's seal is not the clone's");
    }

    @Test
    void clonesInsideTheDatasetAndEmptyCloneListsAreNotDependents() {
        zfs.respond(CLONE_DS + "@a\t-\n" + CLONE_DS + "@b\t\n" + CLONE_DS + "@c\t" + CLONE_DS + "\n"
                + CLONE_DS + "/inner@d\t" + CLONE_DS + "/inner2, " + CLONE_DS + "/x\nno tab here\n",
                "list", "-H", "-o", "name,clones", "-t", "snapshot", "-r", CLONE_DS);
        backend.destroy(CLONE);
        assertTrue(zfs.callsOf("promote").isEmpty(), zfs.calls.toString());
        assertFalse(zfs.datasets.containsKey(CLONE_DS));
    }

    @Test
    void theFirstOutsideDependentInAListOfClonesIsPromoted() {
        branch(BRANCH_STAGING, BRANCH);
        // zfs lists a snapshot's clones comma-separated: here one inside the dataset, then the branch.
        zfs.respondOnce(BRANCH_ORIGIN + "\t" + CLONE_DS + "/inner, " + BRANCH_DS + "\n",
                "list", "-H", "-o", "name,clones", "-t", "snapshot", "-r", CLONE_DS);
        backend.destroy(CLONE);
        assertEquals(List.of(zfsCall("promote", BRANCH_DS)), zfs.callsOf("promote"));
        assertFalse(zfs.datasets.containsKey(CLONE_DS));
    }

    @Test
    void aDependentThatNeverGoesAwayEndsTheDestroyInsteadOfLoopingForEver() {
        branch(BRANCH_STAGING, BRANCH);
        zfs.respond(BRANCH_ORIGIN + "\t" + BRANCH_DS + "\n", "list", "-H", "-o", "name,clones", "-t", "snapshot", "-r",
                CLONE_DS);
        zfs.respond("", "promote", BRANCH_DS); // "succeeds" without changing anything

        KopiException e = assertThrows(KopiException.class, () -> backend.destroy(CLONE));

        assertEquals(KopiException.Kind.INTERNAL, e.kind());
        assertTrue(e.getMessage().contains("cannot release the datasets that depend on " + CLONE_DS), e.getMessage());
        assertEquals(100, zfs.callsOf("promote").size());
        assertTrue(zfs.callsOf("destroy").isEmpty(), "nothing destroyed");
        assertTrue(zfs.datasets.containsKey(CLONE_DS));
    }

    @Test
    void aBusyPromotionIsRetried() {
        branch(BRANCH_STAGING, BRANCH);
        zfs.fail("promote", 2, "cannot promote '" + BRANCH_DS + "': dataset is busy");
        backend.destroy(CLONE);
        assertEquals(3, zfs.callsOf("promote").size());
        assertFalse(zfs.datasets.containsKey(CLONE_DS));
        assertTrue(zfs.datasets.containsKey(BRANCH_DS));
    }

    // ------------------------------------------------------------------ usage

    private static final List<String> USAGE = List.of("zfs", "get", "-Hp", "-r", "-o", "name,property,value",
            "used,referenced", ROOT);

    /** {@code zfs get -Hp} output for "name\tused\treferenced" rows. */
    private static String asGet(String... rows) {
        StringBuilder b = new StringBuilder();
        for (String row : rows) {
            String[] f = row.split("\t", -1);
            if (f.length == 3) {
                b.append(f[0]).append("\tused\t").append(f[1]).append('\n');
                b.append(f[0]).append("\treferenced\t").append(f[2]).append('\n');
            } else {
                b.append(row).append('\n');
            }
        }
        return b.toString();
    }

    @Test
    void volumeUsageReadsUsedAndReferencedOfEveryKopiVolume() {
        zfs.respond(asGet(
                "tank/kopi\t9000\t100",
                "tank/kopi/clones\t4096\t24576",
                "tank/kopi/clones/c1\t65536\t52428800",
                "tank/kopi/snapshots\t1\t2",
                "tank/kopi/snapshots/prod\t1\t2",
                SNAP_DS + "\t52428800\t52428800",
                "tank/kopi/staging/prod-0a1b2c3d\t0\t0",
                ""), USAGE.subList(1, USAGE.size()).toArray(String[]::new));

        Map<VolumeId, SpaceUsage> u = backend.volumeUsage();

        assertEquals(Map.of(
                CLONE, new SpaceUsage(52428800, 65536),
                SNAP, new SpaceUsage(52428800, 52428800),
                STAGING, new SpaceUsage(0, 0)), u);
        assertEquals(List.of(USAGE), zfs.calls.subList(zfs.calls.size() - 1, zfs.calls.size()));
    }

    @Test
    void volumeUsageSkipsLinesItCannotRead() {
        zfs.respond(asGet(
                "garbage",
                "",
                "tank/kopi/clones/dash\t-\t123",
                "tank/kopi/clones/word\t12\tlots",
                "tank/kopi/clones/neg\t-5x\t1",
                "tank/kopi/clones/four\t1\t2\t3",
                "tank/kopi/clones/two\t1",
                "tank/kopi/clones/Bad_Name\t1\t1",
                "tank/kopi/clones/a/b\t1\t1",
                "tank/kopi/images/x\t1\t1",
                "tank/kopiother/clones/x\t1\t1",
                "tank/other/clones/x\t1\t1",
                "tank/kopi/clones/huge\t99999999999999999999\t1",
                "tank/kopi/clones/ok\t 7 \t 8 ",
                "tank/kopi/snapshots/prod/20261123T020000Z\t10\t20"), USAGE.subList(1, USAGE.size()).toArray(String[]::new));

        assertEquals(Map.of(VolumeId.clone("ok"), new SpaceUsage(8, 7), SNAP, new SpaceUsage(20, 10)),
                backend.volumeUsage());
    }

    @Test
    void volumeUsageIsEmptyWhenZfsFails() {
        zfs.fail("get", 1, "cannot open 'tank/kopi': dataset does not exist");
        assertEquals(Map.of(), backend.volumeUsage());
    }

    @Test
    void volumeUsageOfAnEmptyAnswerIsEmpty() {
        zfs.respond("", USAGE.subList(1, USAGE.size()).toArray(String[]::new));
        assertEquals(Map.of(), backend.volumeUsage());
    }

    @Test
    void accountingIsZfs() {
        assertEquals("zfs", backend.accounting());
    }
}
