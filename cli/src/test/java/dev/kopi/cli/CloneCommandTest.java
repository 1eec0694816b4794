package dev.kopi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CreateCloneRequest;
import io.grpc.Status;

class CloneCommandTest extends FakeKopidTestBase {
    private final Clone made = clone("ci-42", 6501, PASSWORD);

    @Test
    void printsExactlyTheUriAndNothingElse() {
        kopid.reply("CreateClone", made);

        CliRun r = kopictl("clone", "prod");

        assertEquals(0, r.code(), r::toString);
        assertEquals(made.getUri() + System.lineSeparator(), r.out());
        assertEquals("", r.err());
        CreateCloneRequest req = kopid.requests(CreateCloneRequest.class).get(0);
        assertEquals("prod", req.getSnapshot());
        assertEquals("", req.getName(), "no --name: the daemon generates one");
        assertFalse(req.hasName(), "and says so: absent, not empty");
        assertEquals("", req.getDatabase());
        assertFalse(req.hasDatabase());
        assertEquals("", req.getTtl(), "no --ttl: kopid's clones.ttl applies");
        assertEquals("", req.getIdleTimeout(), "no --idle: kopid's clones.idle_timeout applies");
        assertFalse(req.getProtect());
    }

    @Test
    void sendsTtlIdleTimeoutAndProtectAsWritten() {
        kopid.reply("CreateClone", made);

        CliRun r = kopictl("clone", "prod", "--ttl", "2h", "--idle", "30m", "--protect");

        assertEquals(0, r.code(), r::toString);
        assertEquals(made.getUri() + System.lineSeparator(), r.out());
        assertEquals(List.of(CreateCloneRequest.newBuilder().setSnapshot("prod").setTtl("2h").setIdleTimeout("30m")
                .setProtect(true).build()), kopid.requests());
    }

    @Test
    void zeroMeansNeverAndIsSentNotDropped() {
        kopid.reply("CreateClone", made);

        CliRun r = kopictl("clone", "prod", "--ttl", "0", "--idle", "0");

        assertEquals(0, r.code(), r::toString);
        CreateCloneRequest req = kopid.requests(CreateCloneRequest.class).get(0);
        assertEquals("0", req.getTtl());
        assertEquals("0", req.getIdleTimeout());
    }

    /** kopid owns the duration syntax: the CLI sends what it got and reports kopid's verdict. */
    @Test
    void durationsAreValidatedByKopidNotTheCli() {
        kopid.reply("CreateClone", Status.INVALID_ARGUMENT.withDescription("ttl 'a while' is not a duration (e.g. 30m, 2h, 7d)"));

        CliRun r = kopictl("clone", "prod", "--ttl", "a while");

        assertFailure(r, "ttl 'a while' is not a duration (e.g. 30m, 2h, 7d)");
        assertEquals("a while", kopid.requests(CreateCloneRequest.class).get(0).getTtl());
    }

    @Test
    void jsonShowsExpiryIdleTimeoutAndProtection() {
        kopid.reply("CreateClone", made.toBuilder().setExpiresAt("2026-11-23T04:05:00Z").setIdleTimeoutSeconds(1800)
                .setProtected(true).build());

        JsonNode j = kopictl("clone", "prod", "--ttl", "2h", "--idle", "30m", "--protect", "-o", "json").json();

        assertEquals("2026-11-23T04:05:00Z", j.path("expiresAt").textValue());
        assertEquals(1800, j.path("idleTimeoutSeconds").longValue());
        assertTrue(j.path("protected").booleanValue());
    }

    @Test
    void anEmptyNameIsSentAsGivenAndTheDaemonRefusesIt() {
        CliRun r = kopictl("clone", "prod", "--name", "");

        assertFailure(r, "clone name is empty");
        CreateCloneRequest req = kopid.requests(CreateCloneRequest.class).get(0);
        assertTrue(req.hasName());
        assertTrue(kopid.live().isEmpty(), "nothing made");
    }

    @Test
    void sendsSnapshotNameAndDatabaseAsGiven() {
        kopid.reply("CreateClone", made);

        CliRun r = kopictl("clone", "prod@20261123T0200Z", "--name", "ci-42", "--database", "orders");

        assertEquals(0, r.code(), r::toString);
        assertEquals(List.of(CreateCloneRequest.newBuilder()
                .setSnapshot("prod@20261123T0200Z").setName("ci-42").setDatabase("orders").build()),
                kopid.requests());
    }

    @ParameterizedTest
    @ValueSource(strings = {"clone prod -o json", "-o json clone prod", "--output=json clone prod",
            "clone -o json prod"})
    void jsonHasTheConnectionDetailsWithNumbersAsNumbers(String args) {
        kopid.reply("CreateClone", made);

        CliRun r = kopictl(args.split(" "));

        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err());
        JsonNode j = r.json();
        assertTrue(j.isObject(), r::toString);
        assertEquals("ci-42", j.path("name").textValue());
        assertEquals("prod@20261123T0200Z", j.path("snapshot").textValue());
        assertEquals("127.0.0.1", j.path("host").textValue());
        assertTrue(j.path("port").isIntegralNumber(), "port must be a JSON number: " + j.path("port"));
        assertEquals(6501, j.path("port").intValue());
        assertEquals("kopi_ci_42", j.path("user").textValue());
        assertEquals(PASSWORD, j.path("password").textValue());
        assertEquals("app", j.path("database").textValue());
        assertEquals(made.getUri(), j.path("uri").textValue());
        assertEquals(made.getJdbcUrl(), j.path("jdbcUrl").textValue());
        assertTrue(j.path("readyMs").isIntegralNumber(), "readyMs must be a JSON number: " + j.path("readyMs"));
        assertEquals(87, j.path("readyMs").intValue());
        assertEquals("running", j.path("state").textValue());
        assertEquals("prod", kopid.requests(CreateCloneRequest.class).get(0).getSnapshot());
    }
}
