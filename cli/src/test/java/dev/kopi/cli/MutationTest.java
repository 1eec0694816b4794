package dev.kopi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kopi.proto.v1.AddSourceRequest;
import dev.kopi.proto.v1.DeleteSnapshotRequest;
import dev.kopi.proto.v1.DeleteSnapshotResponse;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.proto.v1.DestroyCloneResponse;
import dev.kopi.proto.v1.RefreshEvent;
import dev.kopi.proto.v1.RefreshRequest;
import dev.kopi.proto.v1.RemoveSourceRequest;
import dev.kopi.proto.v1.RemoveSourceResponse;
import dev.kopi.proto.v1.Snapshot;
import dev.kopi.proto.v1.Source;
import io.grpc.Status;

/** destroy, delete-snapshot, source add/remove, refresh. */
class MutationTest extends FakeKopidTestBase {
    private static final String NL = System.lineSeparator();

    private static DestroyCloneResponse destroyed(String name) {
        return DestroyCloneResponse.newBuilder().setName(name).build();
    }

    private List<String> destroyedNames() {
        return kopid.requests(DestroyCloneRequest.class).stream().map(DestroyCloneRequest::getName).toList();
    }

    @Test
    void destroyEachCloneInOrder() {
        kopid.reply("DestroyClone", destroyed("a"), destroyed("b"));

        CliRun r = kopictl("destroy", "a", "b");

        assertEquals(0, r.code(), r::toString);
        assertEquals("destroyed a" + NL + "destroyed b" + NL, r.out());
        assertEquals("", r.err());
        assertEquals(List.of("a", "b"), destroyedNames());
    }

    @Test
    void destroyStopsAtTheFirstFailureAfterReportingWhatWasDestroyed() {
        kopid.reply("DestroyClone", destroyed("a"), Status.NOT_FOUND.withDescription("no clone named b"));

        CliRun r = kopictl("destroy", "a", "b");

        assertEquals(1, r.code(), r::toString);
        assertEquals("destroyed a" + NL, r.out());
        assertEquals("kopictl: no clone named b" + NL, r.err());
        assertEquals(List.of("a", "b"), destroyedNames());
    }

    @Test
    void destroyJson() {
        kopid.reply("DestroyClone", destroyed("a"), destroyed("b"));

        JsonNode j = kopictl("-o", "json", "destroy", "a", "b").json();

        assertEquals(List.of("a", "b"), List.of(j.path("destroyed").get(0).textValue(),
                j.path("destroyed").get(1).textValue()));
    }

    @Test
    void deleteSnapshotForceReportsDestroyedClonesThenDeletion() {
        kopid.reply("DeleteSnapshot", DeleteSnapshotResponse.newBuilder().setName("prod@20261122T0200Z")
                .addDestroyedClones("ci-1").addDestroyedClones("ci-2").build());

        CliRun r = kopictl("delete-snapshot", "prod@20261122T0200Z", "--force");

        assertEquals(0, r.code(), r::toString);
        assertEquals(List.of("destroyed ci-1", "destroyed ci-2", "deleted prod@20261122T0200Z"), r.outLines());
        assertEquals("", r.err());
        assertEquals(List.of(DeleteSnapshotRequest.newBuilder().setName("prod@20261122T0200Z").setForce(true).build()),
                kopid.requests());
    }

    @Test
    void deleteSnapshotWithoutForceIsRefusedWhileClonesExist() {
        kopid.reply("DeleteSnapshot", Status.FAILED_PRECONDITION
                .withDescription("snapshot prod@20261122T0200Z has 2 clones (ci-1, ci-2); use --force"));

        CliRun r = kopictl("delete-snapshot", "prod@20261122T0200Z");

        assertFailure(r, "snapshot prod@20261122T0200Z has 2 clones (ci-1, ci-2); use --force");
        assertFalse(kopid.requests(DeleteSnapshotRequest.class).get(0).getForce());
    }

    @Test
    void sourceAddSendsAnAbsoluteNormalizedDatadir() {
        Path expected = Path.of("relative/data").toAbsolutePath().normalize();
        kopid.reply("AddSource", Source.newBuilder().setName("pg1").setKind("datadir")
                .setLocation(expected.toString()).setOrigin("api").build());

        CliRun r = kopictl("source", "add", "pg1", "--datadir", "relative/./x/../data");

        assertEquals(0, r.code(), r::toString);
        AddSourceRequest req = kopid.requests(AddSourceRequest.class).get(0);
        assertEquals("pg1", req.getName());
        assertTrue(Path.of(req.getDatadir()).isAbsolute(), req.getDatadir());
        assertEquals(expected.toString(), req.getDatadir());
        assertEquals("added source pg1 (datadir " + expected + "); next: kopictl refresh pg1" + NL, r.out());
        assertEquals("", r.err());
    }

    @Test
    void sourceRemove() {
        kopid.reply("RemoveSource", RemoveSourceResponse.newBuilder().setName("pg1").build());

        CliRun r = kopictl("source", "remove", "pg1");

        assertEquals(0, r.code(), r::toString);
        assertEquals("removed source pg1" + NL, r.out());
        assertEquals(List.of(RemoveSourceRequest.newBuilder().setName("pg1").build()), kopid.requests());
    }

    @Test
    void sourceRemoveForceAsksKopidToLeaveAnUnreachableSlot() {
        kopid.reply("RemoveSource", RemoveSourceResponse.newBuilder().setName("prod").build());

        CliRun r = kopictl("source", "remove", "prod", "--force");

        assertEquals(0, r.code(), r::toString);
        assertEquals(List.of(RemoveSourceRequest.newBuilder().setName("prod").setForce(true).build()),
                kopid.requests());
    }

    private static final Snapshot NEW_SNAPSHOT = Snapshot.newBuilder().setName("prod@20261124T0200Z")
            .setSource("prod").setTag("20261124T0200Z").setCreatedAt("2026-11-24T02:00:09Z")
            .setPostgresVersion("15.8").setDatabase("app").setLatest(true).setSizeBytes(5_000_000_000L)
            .setBuildMs(9000).build();

    private static RefreshEvent event(String phase, String message, long done, long total, long elapsed) {
        return RefreshEvent.newBuilder().setPhase(phase).setMessage(message).setBytesDone(done)
                .setBytesTotal(total).setElapsedMs(elapsed).build();
    }

    private static Object[] progressThen(Object last) {
        return new Object[] {
            event("snapshot", "snapshotting /srv/pg/prod", 0, 0, 5),
            event("copy", "copying data", 0, 1000, 10),
            event("copy", "copying data", 500, 1000, 900),
            event("recover", "replaying WAL to consistency", 0, 0, 2500),
            last,
        };
    }

    @Test
    void refreshPrintsTheSnapshotNameAndProgressOnStderr() {
        kopid.refresh(progressThen(event("done", "published prod@20261124T0200Z", 0, 0, 9000).toBuilder()
                .setSnapshot(NEW_SNAPSHOT).build()));

        CliRun r = kopictl("refresh", "prod");

        assertEquals(0, r.code(), r::toString);
        assertEquals("prod@20261124T0200Z" + NL, r.out());
        assertEquals(List.of(RefreshRequest.newBuilder().setName("prod").build()), kopid.requests());
        String err = r.err();
        assertTrue(err.contains("snapshotting /srv/pg/prod"), err);
        assertTrue(err.contains("copying data"), err);
        assertTrue(err.contains("[##########..........]  50%"), err);
        assertTrue(err.contains("replaying WAL to consistency"), err);
        assertTrue(err.contains("published prod@20261124T0200Z"), err);
        assertTrue(r.errLines().size() >= 4, err);
        assertFalse(err.contains("\r") || err.contains("\u001b"), "not a terminal: plain lines only\n" + err);
        assertFalse(err.contains("kopictl:"), err);
    }

    @Test
    void refreshStreamEndingInErrorIsOneErrorLine() {
        kopid.refresh(progressThen(Status.INTERNAL.withDescription("recovery of prod failed: see kopid log")));

        CliRun r = kopictl("refresh", "prod");

        assertEquals(1, r.code(), r::toString);
        assertEquals("", r.out());
        List<String> err = r.errLines();
        assertEquals("kopictl: recovery of prod failed: see kopid log", err.get(err.size() - 1), r::toString);
        assertEquals(1, err.stream().filter(l -> l.startsWith("kopictl:")).count(), r::toString);
        assertFalse(r.err().contains("Exception"), r::toString);
    }

    @Test
    void refreshWithoutFinalSnapshotFails() {
        kopid.refresh(event("copy", "copying data", 0, 0, 10));

        CliRun r = kopictl("refresh", "prod");

        assertEquals(1, r.code(), r::toString);
        assertEquals("", r.out());
        assertEquals("kopictl: refresh of prod ended without a snapshot", r.errLines().get(r.errLines().size() - 1));
    }

    @Test
    void refreshJsonPrintsTheSnapshot() {
        kopid.refresh(progressThen(event("done", "published", 0, 0, 9000).toBuilder()
                .setSnapshot(NEW_SNAPSHOT).build()));

        CliRun r = kopictl("refresh", "prod", "-o", "json");

        assertEquals(0, r.code(), r::toString);
        JsonNode j = r.json();
        assertEquals("prod@20261124T0200Z", j.path("name").textValue());
        assertEquals("prod", j.path("source").textValue());
        assertTrue(j.path("sizeBytes").isIntegralNumber());
        assertEquals(5_000_000_000L, j.path("sizeBytes").longValue());
        assertTrue(j.path("latest").booleanValue());
    }

    @Test
    void refreshPrintsEveryDistinctStepWithoutATerminal() {
        kopid.refresh(
                event("recover", "starting postgres on the staging volume", 0, 0, 100),
                event("recover", "reached consistency", 0, 0, 900),
                event("recover", "running transform /etc/kopi/mask.sql", 0, 0, 1200),
                event("recover", "shut down cleanly", 0, 0, 1500).toBuilder().setSnapshot(NEW_SNAPSHOT).build());

        CliRun r = kopictl("refresh", "prod");

        assertEquals(0, r.code(), r::toString);
        assertTrue(r.err().contains("running transform /etc/kopi/mask.sql"), r::toString);
        assertTrue(r.err().contains("shut down cleanly"), r::toString);
    }

    @Test
    void refreshAsyncPrintsTheStartedMessage() {
        kopid.refresh(RefreshEvent.newBuilder().setPhase("started")
                .setMessage("refresh of prod started; 'kopictl sources' shows how it ends").build());

        CliRun r = kopictl("refresh", "prod", "--async");

        assertEquals(0, r.code(), r::toString);
        assertEquals("refresh of prod started; 'kopictl sources' shows how it ends" + NL, r.out());
        assertEquals("", r.err());
        assertEquals(List.of(RefreshRequest.newBuilder().setName("prod").setAsync(true).build()), kopid.requests());
    }

    @Test
    void refreshAsyncJson() {
        kopid.refresh(RefreshEvent.newBuilder().setPhase("started").setMessage("refresh of prod started").build());

        CliRun r = kopictl("-o", "json", "refresh", "--async", "prod");

        assertEquals(0, r.code(), r::toString);
        JsonNode j = r.json();
        assertEquals("prod", j.path("source").textValue());
        assertTrue(j.path("started").isBoolean() && j.path("started").booleanValue(), j::toString);
        assertEquals(2, j.size(), j::toString);
        assertTrue(kopid.only(RefreshRequest.class).getAsync());
    }

    @Test
    void refreshAsyncRefusedIsOneErrorLine() {
        kopid.refresh(Status.FAILED_PRECONDITION.withDescription("a refresh of prod is already running"));

        CliRun r = kopictl("refresh", "prod", "--async");

        assertFailure(r, "a refresh of prod is already running");
    }

    @Test
    void refreshAsyncWithoutAnAnswerFails() {
        kopid.refresh();

        CliRun r = kopictl("refresh", "prod", "--async");

        assertFailure(r, "refresh of prod: kopid did not say that it started");
    }

    @Test
    void refreshWithoutAsyncDoesNotAskForIt() {
        kopid.refresh(event("done", "published", 0, 0, 9000).toBuilder().setSnapshot(NEW_SNAPSHOT).build());

        kopictl("refresh", "prod");

        assertFalse(kopid.only(RefreshRequest.class).getAsync());
    }

    private static final Snapshot SEED_SNAPSHOT = Snapshot.newBuilder().setName("app@20261123T0100Z")
            .setSource("app").setTag("20261123T0100Z").setCreatedAt("2026-11-23T01:00:00Z").setLatest(true)
            .setSeedHash("sha256:9f86d08188").build();

    @Test
    void refreshOfAnUnchangedSeedSaysSoOnStderrAndNamesTheExistingSnapshot() {
        kopid.refresh(
                event("seed", "hashing the seed scripts", 0, 0, 3),
                event("done", "unchanged: app@20261123T0100Z was built from the same scripts", 0, 0, 12).toBuilder()
                        .setUnchanged(true).setSnapshot(SEED_SNAPSHOT).build());

        CliRun r = kopictl("refresh", "app");

        assertEquals(0, r.code(), r::toString);
        assertEquals("app@20261123T0100Z" + NL, r.out());
        List<String> err = r.errLines();
        assertEquals("unchanged: app@20261123T0100Z was built from the same scripts", err.get(err.size() - 1), r::toString);
        assertEquals(1, err.stream().filter(l -> l.contains("was built from the same scripts")).count(),
                "said once, not also as a progress line: " + r);
        assertTrue(r.err().contains("hashing the seed scripts"), r::toString);
    }

    @Test
    void refreshOfAnUnchangedSeedWithAPlainMessageIsPrefixed() {
        kopid.refresh(event("done", "app@20261123T0100Z is current", 0, 0, 12).toBuilder()
                .setUnchanged(true).setSnapshot(SEED_SNAPSHOT).build());

        CliRun r = kopictl("refresh", "app");

        assertEquals(0, r.code(), r::toString);
        assertEquals("app@20261123T0100Z" + NL, r.out());
        assertEquals(List.of("unchanged: app@20261123T0100Z is current"), r.errLines());
    }

    @Test
    void refreshOfAnUnchangedSeedJsonIsTheExistingSnapshot() {
        kopid.refresh(event("done", "unchanged: app@20261123T0100Z was built from the same scripts", 0, 0, 12)
                .toBuilder().setUnchanged(true).setSnapshot(SEED_SNAPSHOT).build());

        CliRun r = kopictl("refresh", "app", "-o", "json");

        assertEquals(0, r.code(), r::toString);
        assertEquals("app@20261123T0100Z", r.json().path("name").textValue());
        assertEquals("sha256:9f86d08188", r.json().path("seedHash").textValue());
        assertTrue(r.err().startsWith("unchanged: "), r::toString);
    }
}
