package dev.kopi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

import dev.kopi.proto.v1.DiffCloneRequest;
import dev.kopi.proto.v1.SchemaChange;
import dev.kopi.proto.v1.SchemaDiff;

class DiffCommandTest extends FakeKopidTestBase {
    private static final String TEXT = "--- /dev/null\n+++ b/column/public.t.email\n@@ -0,0 +1,1 @@\n+public.t.email text\n";
    private static final SchemaDiff DIFFERS = SchemaDiff.newBuilder().setClone("ci-42").setAgainst("prod@20261123T020000Z")
            .setDatabase("app").addAdded(SchemaChange.newBuilder().setKind("column").setName("public.t.email")
                    .setAfter("public.t.email text")).setText(TEXT).setObjectsBefore(10).setObjectsAfter(11).build();
    private static final SchemaDiff EQUAL = SchemaDiff.newBuilder().setClone("ci-42").setAgainst("prod@20261123T020000Z")
            .setDatabase("app").setObjectsBefore(10).setObjectsAfter(10).setCached(true).build();

    @Test
    void printsTheUnifiedDiffAndExitsZeroWithoutExitCode() {
        kopid.reply("DiffClone", DIFFERS);
        CliRun r = kopictl("diff", "ci-42");
        assertEquals(0, r.code(), r::toString);
        assertEquals(TEXT, r.out());
        assertEquals("", r.err());
        DiffCloneRequest req = kopid.only(DiffCloneRequest.class);
        assertEquals("ci-42", req.getName());
        assertEquals("", req.getAgainst(), "the clone's own snapshot");
        assertEquals("", req.getDatabase(), "the clone's own database");
    }

    @Test
    void exitCodeSaysWhetherTheSchemasDiffer() {
        kopid.reply("DiffClone", DIFFERS, EQUAL);
        assertEquals(1, kopictl("diff", "ci-42", "--exit-code").code());
        CliRun same = kopictl("diff", "ci-42", "--exit-code", "--against", "prod", "--database", "other");
        assertEquals(0, same.code(), same::toString);
        assertEquals("", same.out(), "equal schemas print nothing, like git diff");
        DiffCloneRequest req = kopid.requests(DiffCloneRequest.class).get(1);
        assertEquals("prod", req.getAgainst());
        assertEquals("other", req.getDatabase());
    }

    @Test
    void aFailureExitsTwoWithExitCodeSoACiJobCannotTakeItForADifference() {
        kopid.reply("DiffClone", Status.NOT_FOUND.withDescription("snapshot prod@nope does not exist"));
        CliRun r = kopictl("diff", "ci-42", "--against", "prod@nope", "--exit-code");
        assertEquals(2, r.code(), r::toString);
        assertEquals("kopictl: snapshot prod@nope does not exist" + System.lineSeparator(), r.err());
        assertFailure(kopictl("diff", "ci-42", "--against", "prod@nope"), "snapshot prod@nope does not exist");
    }

    @Test
    void jsonListsAddedRemovedAndChangedObjects() {
        kopid.reply("DiffClone", DIFFERS);
        CliRun r = kopictl("diff", "ci-42", "-o", "json");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = r.json();
        assertEquals("ci-42", j.get("clone").asText());
        assertEquals("prod@20261123T020000Z", j.get("against").asText());
        assertEquals(1, j.get("added").size());
        JsonNode added = j.get("added").get(0);
        assertEquals("column", added.get("kind").asText());
        assertEquals("public.t.email", added.get("name").asText());
        assertTrue(added.get("before").isNull());
        assertEquals("public.t.email text", added.get("after").asText());
        assertEquals(0, j.get("removed").size());
        assertEquals(0, j.get("changed").size());
        assertEquals(11, j.get("objectsAfter").asInt());
    }
}
