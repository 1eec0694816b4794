package dev.kopi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kopi.proto.v1.CreateSnapshotRequest;
import dev.kopi.proto.v1.Snapshot;
import io.grpc.Status;

/** kopictl snapshot CLONE --name NAME [--message TEXT]. */
class SnapshotCommandTest extends FakeKopidTestBase {
    private static final Snapshot TAKEN = Snapshot.newBuilder().setName("fix@20261123T0300Z").setSource("fix")
            .setTag("20261123T0300Z").setCreatedAt("2026-11-23T03:00:00Z").setPostgresVersion("15.8")
            .setDatabase("app").setLatest(true).setSizeBytes(1024).setBuildMs(2100)
            .setParent("prod@20261123T0200Z").setFromClone("ci-42").setMessage("after migration 42")
            .setReferencedBytes(4096).build();

    @Test
    void printsTheFullSnapshotName() {
        kopid.reply("CreateSnapshot", TAKEN);

        CliRun r = kopictl("snapshot", "ci-42", "--name", "fix", "--message", "after migration 42");

        assertEquals(0, r.code(), r::toString);
        assertEquals("fix@20261123T0300Z" + System.lineSeparator(), r.out());
        assertEquals("", r.err());
        assertEquals(List.of(CreateSnapshotRequest.newBuilder().setClone("ci-42").setName("fix")
                .setMessage("after migration 42").build()), kopid.requests());
    }

    @Test
    void messageIsOptional() {
        kopid.reply("CreateSnapshot", TAKEN);

        CliRun r = kopictl("snapshot", "--name", "fix", "ci-42");

        assertEquals(0, r.code(), r::toString);
        assertEquals(List.of(CreateSnapshotRequest.newBuilder().setClone("ci-42").setName("fix").build()),
                kopid.requests());
    }

    @Test
    void messageHasAShortOption() {
        kopid.reply("CreateSnapshot", TAKEN);

        CliRun r = kopictl("snapshot", "ci-42", "--name", "fix", "-m", "after migration 42");

        assertEquals(0, r.code(), r::toString);
        assertEquals("after migration 42", kopid.requests(CreateSnapshotRequest.class).get(0).getMessage());
    }

    @Test
    void jsonIsTheSnapshot() {
        kopid.reply("CreateSnapshot", TAKEN);

        CliRun r = kopictl("snapshot", "ci-42", "--name", "fix", "-o", "json");

        assertEquals(0, r.code(), r::toString);
        JsonNode j = r.json();
        assertEquals("fix@20261123T0300Z", j.path("name").textValue());
        assertEquals("fix", j.path("source").textValue());
        assertEquals("prod@20261123T0200Z", j.path("parent").textValue());
        assertEquals("ci-42", j.path("fromClone").textValue());
        assertEquals("after migration 42", j.path("message").textValue());
        assertEquals(4096, j.path("referencedBytes").longValue());
        assertTrue(j.path("latest").booleanValue());
    }

    @Test
    void nameIsRequired() {
        CliRun r = kopictl("snapshot", "ci-42");

        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("--name") && r.err().contains("'kopictl snapshot --help'"), r::toString);
        assertEquals(List.of(), kopid.requests());
    }

    @Test
    void refusalIsOneErrorLine() {
        kopid.reply("CreateSnapshot", Status.INVALID_ARGUMENT.withDescription("'prod' is the name of a source"));

        assertFailure(kopictl("snapshot", "ci-42", "--name", "prod"), "'prod' is the name of a source");
    }
}
