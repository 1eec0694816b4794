package dev.kopi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kopi.proto.v1.AddSourceRequest;
import dev.kopi.proto.v1.Source;
import dev.kopi.proto.v1.SourceSettings;
import io.grpc.Status;

/** kopictl source add: every kind and setting maps to its request field; passwords are never echoed. */
class SourceCommandTest extends FakeKopidTestBase {
    private static final String NL = System.lineSeparator();
    private static final String SECRET = "s3cret";
    private static final String CONNINFO = "host=x password=" + SECRET;
    private static final String MASKED = "host=x password=********";

    private static Source source(String name, String kind, String location) {
        return Source.newBuilder().setName(name).setKind(kind).setLocation(location).setOrigin("api").build();
    }

    private static String abs(String path) {
        return Path.of(path).toAbsolutePath().normalize().toString();
    }

    private AddSourceRequest sent() {
        return kopid.only(AddSourceRequest.class);
    }

    @Test
    void seedScriptsKeepTheirOrderAndBecomeAbsolute() {
        kopid.reply("AddSource", source("app", "seed", "2 scripts"));

        CliRun r = kopictl("source", "add", "app", "--seed", "db/schema.sql", "--seed", "/srv/seed/./data.sql",
                "--seed", "db/x/../a.sql");

        assertEquals(0, r.code(), r::toString);
        AddSourceRequest req = sent();
        assertEquals("app", req.getName());
        assertEquals(List.of(abs("db/schema.sql"), "/srv/seed/data.sql", abs("db/a.sql")), req.getSeedList());
        assertEquals("", req.getDatadir());
        assertEquals("", req.getBasebackup());
        assertEquals("", req.getDump());
        assertEquals(SourceSettings.getDefaultInstance(), req.getSettings(), "nothing set that was not given");
        assertEquals("added source app (seed 2 scripts); next: kopictl refresh app" + NL, r.out());
        assertEquals("", r.err());
    }

    @Test
    void dumpWithEverySettingMapsEachFlagToItsField() {
        kopid.reply("AddSource", source("prod", "dump", "host=db dbname=app"));

        CliRun r = kopictl("source", "add", "prod", "--dump", "host=db dbname=app",
                "--schedule", "0 3 * * *", "--keep", "3",
                "--transform", "mask/users.sql", "--transform", "/etc/kopi/./orders.sql",
                "--password-file", "secrets/../pw.txt", "--superuser", "postgres", "--database", "app",
                "--jobs", "4", "--schema", "public", "--schema", "sales*",
                "--exclude-schema", "audit", "--exclude-table", "public.big_log", "--exclude-table", "tmp_*",
                "--exclude-table-data", "public.events", "--no-owner");

        assertEquals(0, r.code(), r::toString);
        AddSourceRequest req = sent();
        assertEquals("host=db dbname=app", req.getDump(), "a connection string is sent as written");
        assertEquals(SourceSettings.newBuilder()
                .setSchedule("0 3 * * *")
                .setKeep(3)
                .addTransforms(abs("mask/users.sql")).addTransforms("/etc/kopi/orders.sql")
                .setPasswordFile(abs("pw.txt"))
                .setSuperuser("postgres")
                .setDatabase("app")
                .setJobs(4)
                .addSchemas("public").addSchemas("sales*")
                .addExcludeSchemas("audit")
                .addExcludeTables("public.big_log").addExcludeTables("tmp_*")
                .addExcludeTableData("public.events")
                .setNoOwner(true)
                .build(), req.getSettings());
    }

    @Test
    void basebackupWithPasswordEnvAndMaxRate() {
        kopid.reply("AddSource", source("prod", "basebackup", "host=db user=rep"));

        CliRun r = kopictl("source", "add", "prod", "--basebackup", "host=db user=rep", "--password-env", "PROD_PW",
                "--max-rate", "50M");

        assertEquals(0, r.code(), r::toString);
        AddSourceRequest req = sent();
        assertEquals("host=db user=rep", req.getBasebackup());
        assertEquals("PROD_PW", req.getSettings().getPasswordEnv());
        assertEquals("50M", req.getSettings().getMaxRate());
        assertFalse(req.getSettings().getNoOwner());
        assertEquals(0, req.getSettings().getKeep());
    }

    /** kopid checks values: the CLI sends what it cannot make sense of itself and reports kopid's answer. */
    @Test
    void valuesAreLeftForKopidToJudge() {
        kopid.reply("AddSource", Status.INVALID_ARGUMENT.withDescription("source x: jobs: must be between 1 and 64, got 0"));

        CliRun r = kopictl("source", "add", "x", "--datadir", "/d", "--jobs", "0", "--keep", "-1", "--schedule", "nope",
                "--max-rate", "fast", "--password-env", "1X");

        assertFailure(r, "source x: jobs: must be between 1 and 64, got 0");
        SourceSettings s = sent().getSettings();
        assertEquals(-1, s.getKeep());
        assertEquals("nope", s.getSchedule());
        assertEquals("fast", s.getMaxRate());
        assertEquals("1X", s.getPasswordEnv());
    }

    @Test
    void aPathThisSystemCannotHoldIsRefusedBeforeAsking() {
        CliRun r = kopictl("source", "add", "app", "--seed", "a\0b.sql");

        assertFailure(r, "'a?b.sql' is not a path (Nul character not allowed)");
        assertEquals(List.of(), kopid.requests());
    }

    @Test
    void anEmptyPathIsSentEmptyForKopidToRefuseRatherThanAsTheCurrentDirectory() {
        kopid.reply("AddSource", Status.INVALID_ARGUMENT.withDescription("source app: give where its data comes from"));

        CliRun r = kopictl("source", "add", "app", "--datadir", "");

        assertFailure(r, "source app: give where its data comes from");
        assertEquals("", sent().getDatadir());
    }

    @Test
    void withAScheduleTheOutputSaysWhenItRunsNext() {
        Instant next = Instant.now().plus(Duration.ofHours(5)).plusSeconds(30);
        kopid.reply("AddSource", source("prod", "datadir", "/srv/pg/prod").toBuilder()
                .setSettings(SourceSettings.newBuilder().setSchedule("0 3 * * *"))
                .setScheduleDescription("at 03:00").setNextRefreshAt(next.toString()).build());

        CliRun r = kopictl("source", "add", "prod", "--datadir", "/srv/pg/prod", "--schedule", "0 3 * * *");

        assertEquals(0, r.code(), r::toString);
        assertEquals(List.of("added source prod (datadir /srv/pg/prod); next: kopictl refresh prod",
                "schedule: at 03:00 (0 3 * * *); next refresh in 5h (" + Output.time(next.toString()) + ")"),
                r.outLines());
    }

    @Test
    void scheduleLineWithoutDescriptionOrNextRun() {
        Source s = source("prod", "datadir", "/d").toBuilder()
                .setSettings(SourceSettings.newBuilder().setSchedule("0 0 30 2 *")).build();

        assertEquals("schedule: 0 0 30 2 *; next refresh never", SourceCommand.Add.schedule(s, Instant.now()));
        assertEquals("schedule: 0 0 30 2 *; next refresh due (2026-11-23 02:00:00Z)", SourceCommand.Add.schedule(
                s.toBuilder().setScheduleDescription("0 0 30 2 *").setNextRefreshAt("2026-11-23T02:00:00Z").build(),
                Instant.parse("2026-11-23T03:00:00Z")));
    }

    @Test
    void jsonPrintsTheSourceWithItsSettings() {
        kopid.reply("AddSource", source("prod", "dump", "host=db").toBuilder()
                .setSettings(SourceSettings.newBuilder().setSchedule("@daily").setKeep(3).addTransforms("/m.sql")
                        .setJobs(2).setNoOwner(true))
                .setScheduleDescription("every day at 00:00").setNextRefreshAt("2026-11-24T00:00:00Z").build());

        CliRun r = kopictl("-o", "json", "source", "add", "prod", "--dump", "host=db", "--schedule", "@daily");

        assertEquals(0, r.code(), r::toString);
        JsonNode j = r.json();
        assertEquals("prod", j.path("name").textValue());
        assertEquals("dump", j.path("kind").textValue());
        assertEquals("2026-11-24T00:00:00Z", j.path("nextRefreshAt").textValue());
        assertEquals("every day at 00:00", j.path("scheduleDescription").textValue());
        JsonNode s = j.path("settings");
        assertEquals("@daily", s.path("schedule").textValue());
        assertEquals(3, s.path("keep").intValue());
        assertEquals("/m.sql", s.path("transforms").get(0).textValue());
        assertTrue(s.path("noOwner").booleanValue());
        assertTrue(s.path("passwordFile").isNull(), s::toString);
    }

    // ------------------------------------------------------------ passwords

    @Test
    void aPasswordInTheConnectionStringIsSentButNeverPrinted() {
        kopid.reply("AddSource", source("prod", "basebackup", MASKED));

        CliRun r = kopictl("source", "add", "prod", "--basebackup", CONNINFO);

        assertEquals(0, r.code(), r::toString);
        assertEquals(CONNINFO, sent().getBasebackup(), "kopid needs it");
        assertEquals("added source prod (basebackup " + MASKED + "); next: kopictl refresh prod" + NL, r.out());
        assertEquals("", r.err());
        assertNoSecret(r);
    }

    @Test
    void aPasswordInTheConnectionStringIsNotInTheJson() {
        kopid.reply("AddSource", source("prod", "dump", MASKED));

        CliRun r = kopictl("source", "add", "prod", "--dump", CONNINFO, "-o", "json");

        assertEquals(0, r.code(), r::toString);
        assertEquals(MASKED, r.json().path("location").textValue());
        assertNoSecret(r);
    }

    @Test
    void anErrorAboutTheConnectionStringDoesNotShowThePassword() {
        kopid.reply("AddSource", Status.INVALID_ARGUMENT.withDescription(
                "source prod: give the password one way: in the connection string, password_file or password_env"));

        CliRun r = kopictl("source", "add", "prod", "--basebackup", CONNINFO, "--password-env", "PW");

        assertFailure(r, "source prod: give the password one way: in the connection string, password_file or "
                + "password_env");
        assertNoSecret(r);
    }

    /** kopid masks what it says; should a message still carry a password, kopictl masks it too. */
    @ParameterizedTest
    @ValueSource(strings = {"host=x password=s3cret", "host=x password = 's3cret'",
        "postgresql://rep:s3cret@db:5432/app", "postgres://rep:s3cret@db/app?sslmode=require",
        "postgresql://db/app?password=s3cret&sslmode=require"})
    void anErrorEchoingAConnectionStringIsMasked(String conninfo) {
        kopid.reply("AddSource", Status.UNAVAILABLE.withDescription("cannot connect to " + conninfo + ": timeout"));

        CliRun r = kopictl("source", "add", "prod", "--dump", conninfo);

        assertEquals(1, r.code(), r::toString);
        assertTrue(r.err().startsWith("kopictl: cannot connect to "), r::toString);
        assertTrue(r.err().contains("********"), r::toString);
        assertNoSecret(r);
    }

    /** Usage errors quote what picocli could not parse: an unquoted conninfo, a misspelt option. */
    @ParameterizedTest
    @ValueSource(strings = {
        "source add prod --basebackup host=x password=s3cret",
        "source add prod --datadir /d --basebackup host=x password=s3cret",
        "source add prod --basebackp=postgresql://rep:s3cret@db/app",
        "source add prod --basebackup host=x --basebackup password=s3cret",
        "source add prod --keep 1 --keep 2 --dump host=x,password=s3cret",
        "source add prod --dump postgresql://rep:s3cret@db/app --seed a.sql",
    })
    void usageErrorsDoNotShowThePassword(String args) {
        CliRun r = kopictl(args.split(" "));

        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertNoSecret(r);
        assertEquals(List.of(), kopid.requests(), "a usage error must not call kopid");
    }

    @Test
    void anOptionGivenTwiceIsNamedWithoutItsValues() {
        assertEquals("kopictl: --basebackup is given more than once (see 'kopictl source add --help')" + NL,
                kopictl("source", "add", "p", "--basebackup", CONNINFO, "--basebackup", "host=y").err());
        assertEquals("kopictl: --keep is given more than once (see 'kopictl source add --help')" + NL,
                kopictl("source", "add", "p", "--keep", "1", "--dump", CONNINFO, "--keep=2").err());
    }

    private static void assertNoSecret(CliRun r) {
        assertFalse(r.out().contains(SECRET), "stdout shows the password:\n" + r);
        assertFalse(r.err().contains(SECRET), "stderr shows the password:\n" + r);
    }
}
