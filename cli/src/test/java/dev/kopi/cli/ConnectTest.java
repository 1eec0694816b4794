package dev.kopi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.GetCloneRequest;
import io.grpc.Status;

/** url, env, psql: connecting to an existing clone. */
class ConnectTest extends FakeKopidTestBase {
    private static final String NL = System.lineSeparator();

    /** Everything sh would expand or end a quote at. */
    private static final String NASTY = "a'b$HOME\"c`id`\\d;e'";

    private final Clone clone = clone("ci-42", 6501, PASSWORD);

    // ---------------------------------------------------------------- url

    @Test
    void urlPrintsTheUri() {
        kopid.reply("GetClone", clone);

        CliRun r = kopictl("url", "ci-42");

        assertEquals(0, r.code(), r::toString);
        assertEquals(clone.getUri() + NL, r.out());
        assertEquals("", r.err());
        assertEquals(List.of(GetCloneRequest.newBuilder().setName("ci-42").build()), kopid.requests());
    }

    @Test
    void urlJdbc() {
        kopid.reply("GetClone", clone);

        CliRun r = kopictl("url", "ci-42", "--jdbc");

        assertEquals(0, r.code(), r::toString);
        assertEquals(clone.getJdbcUrl() + NL, r.out());
    }

    @Test
    void urlJsonIsTheClone() {
        kopid.reply("GetClone", clone);

        JsonNode j = kopictl("url", "ci-42", "-o", "json").json();

        assertEquals(clone.getUri(), j.path("uri").textValue());
        assertEquals(clone.getJdbcUrl(), j.path("jdbcUrl").textValue());
    }

    @Test
    void urlOfAnUnknownClone() {
        kopid.reply("GetClone", Status.NOT_FOUND.withDescription("clone 'x' does not exist"));

        assertFailure(kopictl("url", "x"), "clone 'x' does not exist");
    }

    // ---------------------------------------------------------------- env

    @Test
    void envPrintsQuotedExportLines() {
        kopid.reply("GetClone", clone);

        CliRun r = kopictl("env", "ci-42");

        assertEquals(0, r.code(), r::toString);
        assertEquals(List.of(
                "export PGHOST='127.0.0.1'",
                "export PGPORT='6501'",
                "export PGUSER='kopi_ci_42'",
                "export PGPASSWORD='" + PASSWORD + "'",
                "export PGDATABASE='app'"), r.outLines());
        assertEquals("", r.err());
    }

    @Test
    void envQuotesSingleQuotesAndDollars() {
        kopid.reply("GetClone", clone("ci-42", 6501, NASTY));

        CliRun r = kopictl("env", "ci-42");

        assertEquals(0, r.code(), r::toString);
        assertTrue(r.outLines().contains("export PGPASSWORD='a'\\''b$HOME\"c`id`\\d;e'\\'''"), r::toString);
    }

    /** The real test of the quoting: sh evaluates the output and gets back exactly the values. */
    @Test
    void envSurvivesEvalInSh() throws Exception {
        kopid.reply("GetClone", clone("ci-42", 6501, NASTY));

        CliRun r = kopictl("env", "ci-42");

        Process sh = new ProcessBuilder("/bin/sh", "-c",
                "eval \"$1\" && printf '%s|%s|%s|%s|%s' \"$PGHOST\" \"$PGPORT\" \"$PGUSER\" \"$PGPASSWORD\" \"$PGDATABASE\"",
                "sh", r.out()).redirectErrorStream(true).start();
        String got = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, sh.waitFor(), got);
        assertEquals("127.0.0.1|6501|kopi_ci_42|" + NASTY + "|app", got);
    }

    @Test
    void envJson() {
        kopid.reply("GetClone", clone);

        JsonNode j = kopictl("env", "ci-42", "-o", "json").json();

        assertEquals("127.0.0.1", j.path("PGHOST").textValue());
        assertEquals("6501", j.path("PGPORT").textValue());
        assertEquals(PASSWORD, j.path("PGPASSWORD").textValue());
    }

    @Test
    void envOfAnUnknownClone() {
        kopid.reply("GetClone", Status.NOT_FOUND.withDescription("clone 'x' does not exist"));

        assertFailure(kopictl("env", "x"), "clone 'x' does not exist");
    }

    // ---------------------------------------------------------------- psql

    /** A psql that records its argv and libpq environment next to itself and exits with $FAKE_PSQL_EXIT. */
    private Path fakePsql(Path bin) throws IOException {
        Files.createDirectories(bin);
        Path psql = bin.resolve("psql");
        Files.writeString(psql, String.join("\n",
                "#!/bin/sh",
                "here=${0%/*}",
                "printf '%s\\n' \"$0\" \"$@\" > \"$here/argv\"",
                "printf '%s\\n' \"PGHOST=$PGHOST\" \"PGPORT=$PGPORT\" \"PGUSER=$PGUSER\" \"PGPASSWORD=$PGPASSWORD\" \\",
                "    \"PGDATABASE=$PGDATABASE\" \"PGSERVICE=${PGSERVICE-unset}\" \"PGHOSTADDR=${PGHOSTADDR-unset}\" \\",
                "    \"PGAPPNAME=${PGAPPNAME-unset}\" > \"$here/env\"",
                "exit \"${FAKE_PSQL_EXIT:-0}\"",
                ""));
        Files.setPosixFilePermissions(psql, PosixFilePermissions.fromString("rwxr-xr-x"));
        return psql;
    }

    private CliRun psql(Map<String, String> extraEnv, String... args) {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("KOPI_SOCKET", kopid.socket.toString());
        return CliRun.kopictl(env, args);
    }

    @Test
    void psqlGetsTheConnectionInItsEnvironmentAndExitsWithPsqlsCode() throws Exception {
        Path bin = dir.resolve("bin");
        Path psql = fakePsql(bin);
        kopid.reply("GetClone", clone);

        CliRun r = psql(Map.of("PATH", bin.toString(), "FAKE_PSQL_EXIT", "3", "PGAPPNAME", "mine",
                        "PGSERVICE", "elsewhere", "PGHOSTADDR", "10.9.9.9", "PGPASSWORD", "stale"),
                "psql", "ci-42", "--", "-c", "select 1", "-X");

        assertEquals(3, r.code(), "psql's exit code: " + r);
        assertEquals("", r.out());
        assertEquals("", r.err());
        assertEquals(List.of(GetCloneRequest.newBuilder().setName("ci-42").build()), kopid.requests());
        List<String> argv = Files.readAllLines(bin.resolve("argv"));
        assertEquals(List.of(psql.toString(), "-c", "select 1", "-X"), argv);
        assertFalse(String.join(" ", argv).contains(PASSWORD), "never the password on argv, where ps shows it");
        assertEquals(List.of("PGHOST=127.0.0.1", "PGPORT=6501", "PGUSER=kopi_ci_42", "PGPASSWORD=" + PASSWORD,
                "PGDATABASE=app",
                "PGSERVICE=unset", "PGHOSTADDR=unset", // would send psql elsewhere
                "PGAPPNAME=mine"), // the rest of the user's environment is passed on
                Files.readAllLines(bin.resolve("env")));
    }

    @Test
    void psqlSucceedingExitsZero() throws Exception {
        Path bin = dir.resolve("bin");
        fakePsql(bin);
        kopid.reply("GetClone", clone);

        CliRun r = psql(Map.of("PATH", bin.toString()), "psql", "ci-42");

        assertEquals(0, r.code(), r::toString);
        assertEquals(List.of(bin.resolve("psql").toString()), Files.readAllLines(bin.resolve("argv")));
    }

    @Test
    void psqlMissingIsOneErrorLineAndKopidIsNotAsked() {
        kopid.reply("GetClone", clone);

        CliRun r = psql(Map.of("PATH", dir.resolve("empty").toString()), "psql", "ci-42");

        assertEquals(1, r.code(), r::toString);
        assertEquals("", r.out());
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().startsWith("kopictl: psql not found on PATH"), r::toString);
        assertEquals(List.of(), kopid.requests());
    }

    @Test
    void psqlOfAnUnknownCloneDoesNotStartPsql() throws Exception {
        Path bin = dir.resolve("bin");
        fakePsql(bin);
        kopid.reply("GetClone", Status.NOT_FOUND.withDescription("clone 'x' does not exist"));

        CliRun r = psql(Map.of("PATH", bin.toString()), "psql", "x");

        assertFailure(r, "clone 'x' does not exist");
        assertFalse(Files.exists(bin.resolve("argv")), "psql must not run");
    }

    @Test
    void findOnPathTakesTheFirstExecutableFile() throws Exception {
        Path notExecutable = Files.createDirectories(dir.resolve("a"));
        Files.writeString(notExecutable.resolve("psql"), "not a program");
        Path first = fakePsql(dir.resolve("b"));
        fakePsql(dir.resolve("c"));
        Files.createDirectories(dir.resolve("d/psql"));

        assertEquals(first, PsqlCommand.findOnPath("psql", dir.resolve("d") + "::" + notExecutable + ":"
                + dir.resolve("b") + ":" + dir.resolve("c")));
        assertNull(PsqlCommand.findOnPath("psql", null));
        assertNull(PsqlCommand.findOnPath("psql", ""));
        assertNull(PsqlCommand.findOnPath("psql", dir.resolve("d").toString()), "a directory is not a program");
    }
}
