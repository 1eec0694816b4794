package dev.kopi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.ExtendCloneRequest;
import dev.kopi.proto.v1.ProtectCloneRequest;
import dev.kopi.proto.v1.ResetCloneRequest;
import io.grpc.Status;

/** reset, extend, protect. */
class CloneLifecycleTest extends FakeKopidTestBase {
    private static final String NL = System.lineSeparator();

    private final Clone clone = clone("ci-42", 6501, PASSWORD);

    // ---------------------------------------------------------------- reset

    @Test
    void resetPrintsTheUriLikeClone() {
        kopid.reply("ResetClone", clone.toBuilder().setResetCount(1).build());

        CliRun r = kopictl("reset", "ci-42");

        assertEquals(0, r.code(), r::toString);
        assertEquals(clone.getUri() + NL, r.out());
        assertEquals("", r.err());
        assertEquals(List.of(ResetCloneRequest.newBuilder().setName("ci-42").build()), kopid.requests(),
                "neither option: the clone's own snapshot");
    }

    @Test
    void resetToAnotherSnapshot() {
        kopid.reply("ResetClone", clone);

        CliRun r = kopictl("reset", "ci-42", "--to", "prod@20261124T0200Z");

        assertEquals(0, r.code(), r::toString);
        assertEquals(List.of(ResetCloneRequest.newBuilder().setName("ci-42").setTo("prod@20261124T0200Z").build()),
                kopid.requests());
    }

    @Test
    void resetToLatest() {
        kopid.reply("ResetClone", clone);

        CliRun r = kopictl("reset", "--latest", "ci-42");

        assertEquals(0, r.code(), r::toString);
        assertEquals(List.of(ResetCloneRequest.newBuilder().setName("ci-42").setLatest(true).build()),
                kopid.requests());
    }

    @Test
    void resetToAndLatestTogetherIsAUsageError() {
        CliRun r = kopictl("reset", "ci-42", "--to", "prod", "--latest");

        assertEquals(2, r.code(), r::toString);
        assertEquals("", r.out());
        assertEquals(1, r.errLines().size(), r::toString);
        String line = r.errLines().get(0);
        assertTrue(line.startsWith("kopictl: --to") && line.contains("--to") && line.contains("--latest")
                && line.contains("mutually exclusive") && line.contains("'kopictl reset --help'"), line);
        assertEquals(List.of(), kopid.requests(), "a usage error must not call kopid");
    }

    @Test
    void resetOfAnUnknownCloneIsOneErrorLine() {
        kopid.reply("ResetClone", Status.NOT_FOUND.withDescription("clone 'ci-9' does not exist"));

        assertFailure(kopictl("reset", "ci-9"), "clone 'ci-9' does not exist");
    }

    @Test
    void resetJsonIsTheClone() {
        kopid.reply("ResetClone", clone.toBuilder().setResetCount(3).setResetAt("2026-11-23T05:00:00Z").build());

        CliRun r = kopictl("reset", "ci-42", "-o", "json");

        assertEquals(0, r.code(), r::toString);
        JsonNode j = r.json();
        assertEquals("ci-42", j.path("name").textValue());
        assertEquals(clone.getUri(), j.path("uri").textValue());
        assertEquals(PASSWORD, j.path("password").textValue(), "the credentials stay, and scripts get them");
        assertEquals(3, j.path("resetCount").intValue());
        assertTrue(j.path("resetCount").isIntegralNumber());
        assertEquals("2026-11-23T05:00:00Z", j.path("resetAt").textValue());
    }

    // ---------------------------------------------------------------- extend

    @Test
    void extendPrintsTheNewExpiry() {
        // Half a minute of slack: "in 1h59m" until the command runs 30 s after this.
        Instant expires = Instant.now().plus(Duration.ofMinutes(119).plusSeconds(30));
        kopid.reply("ExtendClone", clone.toBuilder().setExpiresAt(expires.toString()).build());

        CliRun r = kopictl("extend", "ci-42", "1h");

        assertEquals(0, r.code(), r::toString);
        assertEquals("ci-42 expires " + Output.time(expires.toString()) + " (in 1h59m)" + NL, r.out());
        assertEquals("", r.err());
        assertEquals(List.of(ExtendCloneRequest.newBuilder().setName("ci-42").setBy("1h").build()), kopid.requests());
    }

    @Test
    void extendOfACloneThatNeverExpires() {
        kopid.reply("ExtendClone", clone);

        CliRun r = kopictl("extend", "ci-42", "1h");

        assertEquals(0, r.code(), r::toString);
        assertEquals("ci-42 never expires" + NL, r.out());
    }

    @Test
    void extendPassesTheDurationThroughAndReportsKopidsVerdict() {
        kopid.reply("ExtendClone", Status.INVALID_ARGUMENT.withDescription("'soon' is not a duration"));

        CliRun r = kopictl("extend", "ci-42", "soon");

        assertFailure(r, "'soon' is not a duration");
        assertEquals("soon", kopid.requests(ExtendCloneRequest.class).get(0).getBy());
    }

    @Test
    void extendJsonIsTheClone() {
        kopid.reply("ExtendClone", clone.toBuilder().setExpiresAt("2026-11-23T06:05:00Z").build());

        JsonNode j = kopictl("-o", "json", "extend", "ci-42", "2h").json();

        assertEquals("ci-42", j.path("name").textValue());
        assertEquals("2026-11-23T06:05:00Z", j.path("expiresAt").textValue());
    }

    @Test
    void extendWithoutDurationIsAUsageError() {
        CliRun r = kopictl("extend", "ci-42");

        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().contains("DURATION"), r::toString);
        assertEquals(List.of(), kopid.requests());
    }

    // ---------------------------------------------------------------- protect

    @Test
    void protect() {
        kopid.reply("ProtectClone", clone.toBuilder().setProtected(true).build());

        CliRun r = kopictl("protect", "ci-42");

        assertEquals(0, r.code(), r::toString);
        assertEquals("protected ci-42" + NL, r.out());
        assertEquals(List.of(ProtectCloneRequest.newBuilder().setName("ci-42").setProtect(true).build()),
                kopid.requests());
    }

    @Test
    void protectOff() {
        kopid.reply("ProtectClone", clone);

        CliRun r = kopictl("protect", "ci-42", "--off");

        assertEquals(0, r.code(), r::toString);
        assertEquals("unprotected ci-42" + NL, r.out());
        assertFalse(kopid.requests(ProtectCloneRequest.class).get(0).getProtect());
    }

    @Test
    void protectJsonIsTheClone() {
        kopid.reply("ProtectClone", clone.toBuilder().setProtected(true).build());

        JsonNode j = kopictl("protect", "ci-42", "-o", "json").json();

        assertTrue(j.path("protected").isBoolean());
        assertTrue(j.path("protected").booleanValue());
    }

    @Test
    void protectOfAnUnknownClone() {
        kopid.reply("ProtectClone", Status.NOT_FOUND.withDescription("clone 'x' does not exist"));

        assertFailure(kopictl("protect", "x"), "clone 'x' does not exist");
    }
}
