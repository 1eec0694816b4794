package dev.kopi.daemon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.core.KopiException;

class SourceDefinitionTest {
    static final String SECRET = "s3cretPw";
    static final String WITH_PASSWORD = "host=db1 user=kopi password=" + SECRET + " dbname=app";

    /** A mutable stand-in for the record's 19 components. */
    static final class Def {
        String name = "shop";
        String datadir;
        String basebackup;
        String dump;
        List<String> seed = List.of();
        String superuser;
        String schedule;
        Integer keep;
        List<String> transforms = List.of();
        String passwordFile;
        String passwordEnv;
        String database;
        Integer jobs;
        List<String> schemas = List.of();
        List<String> excludeSchemas = List.of();
        List<String> excludeTables = List.of();
        List<String> excludeTableData = List.of();
        Boolean noOwner;
        String maxRate;

        SourceDefinition build() {
            return SourceDefinition.builder(name).datadir(datadir).basebackup(basebackup).dump(dump).seed(seed)
                    .superuser(superuser).schedule(schedule).keep(keep).transforms(transforms)
                    .passwordFile(passwordFile).passwordEnv(passwordEnv).database(database).jobs(jobs)
                    .schemas(schemas).excludeSchemas(excludeSchemas).excludeTables(excludeTables)
                    .excludeTableData(excludeTableData).noOwner(noOwner).maxRate(maxRate).build();
        }
    }

    static Def datadir() {
        Def d = new Def();
        d.datadir = "/var/lib/postgresql/16/main";
        return d;
    }

    static Def basebackup() {
        Def d = new Def();
        d.basebackup = "host=db1 user=kopi";
        return d;
    }

    static Def dump() {
        Def d = new Def();
        d.dump = "host=db1 user=kopi dbname=app";
        return d;
    }

    static Def seed() {
        Def d = new Def();
        d.seed = List.of("/srv/seed/01-schema.sql", "/srv/seed/02-data.sql");
        return d;
    }

    private static Def with(Def d, Consumer<Def> change) {
        change.accept(d);
        return d;
    }

    private static KopiException refused(Def d, String origin) {
        KopiException e = assertThrows(KopiException.class, () -> d.build().toSource(Source.Origin.valueOf(origin.toUpperCase(Locale.ROOT))));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET), () -> "password in: " + e.getMessage());
        return e;
    }

    private static void assertNamesKey(String key, KopiException e) {
        String prefix = "source shop: " + key + ": ";
        assertTrue(e.getMessage().startsWith(prefix), () -> "expected '" + prefix + "...' but got: " + e.getMessage());
        assertTrue(e.getMessage().length() > prefix.length());
    }

    // ---- kinds

    @Test
    void eachKindOnItsOwn() {
        Source a = datadir().build().toSource(Source.Origin.API);
        assertEquals(Source.Kind.DATADIR, a.kind());
        assertEquals(Path.of("/var/lib/postgresql/16/main"), a.datadir());
        assertNull(a.conninfo());
        assertEquals("api", a.origin().word());

        Source b = basebackup().build().toSource(Source.Origin.API);
        assertEquals(Source.Kind.BASEBACKUP, b.kind());
        assertEquals("db1", b.conninfo().get("host"));
        assertNull(b.datadir());

        Source c = dump().build().toSource(Source.Origin.CONFIG);
        assertEquals(Source.Kind.DUMP, c.kind());
        assertEquals("app", c.conninfo().get("dbname"));
        assertEquals("config", c.origin().word());

        Source s = seed().build().toSource(Source.Origin.API);
        assertEquals(Source.Kind.SEED, s.kind());
        assertEquals(List.of(Path.of("/srv/seed/01-schema.sql"), Path.of("/srv/seed/02-data.sql")), s.seed());
    }

    @Test
    void noKindIsRefusedListingThem() {
        KopiException e = refused(new Def(), "api");
        assertTrue(e.getMessage().startsWith("source shop: give where"), e.getMessage());
        for (String key : List.of("datadir", "basebackup", "dump", "seed")) {
            assertTrue(e.getMessage().contains(key), e.getMessage());
        }
    }

    @Test
    void blankValuesAreNotAKind() {
        Def d = new Def();
        d.datadir = "  ";
        d.basebackup = "";
        assertTrue(refused(d, "api").getMessage().startsWith("source shop: give where"));
    }

    static Stream<Arguments> twoKinds() {
        return Stream.of(
                Arguments.of(with(datadir(), d -> d.basebackup = "host=db1")),
                Arguments.of(with(datadir(), d -> d.dump = "host=db1")),
                Arguments.of(with(datadir(), d -> d.seed = List.of("/s.sql"))),
                Arguments.of(with(basebackup(), d -> d.dump = "host=db1")),
                Arguments.of(with(dump(), d -> d.seed = List.of("/s.sql"))),
                Arguments.of(with(dump(), d -> d.basebackup = WITH_PASSWORD)));
    }

    @ParameterizedTest
    @MethodSource("twoKinds")
    void moreThanOneKindIsRefused(Def d) {
        assertTrue(refused(d, "api").getMessage().startsWith("source shop: give only one of"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Shop", "a b", "../x", "-x", ""})
    void theNameIsChecked(String name) {
        Def d = datadir();
        d.name = name;
        refused(d, "api");
        d.name = null;
        refused(d, "api");
    }

    // ---- paths

    @ParameterizedTest
    @ValueSource(strings = {"relative/dir", "./x", "~/pg", "pg"})
    void relativeDataDirectoriesAreRefused(String dir) {
        Def d = datadir();
        d.datadir = dir;
        assertNamesKey("datadir", refused(d, "api"));
        assertNamesKey("datadir", refused(d, "config"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a/../b", "/a/./b", "/a/b/.."})
    void unnormalizedPathsAreRefusedFromTheApiAndNormalizedFromTheConfigFile(String dir) {
        Def d = datadir();
        d.datadir = dir;
        KopiException e = refused(d, "api");
        assertNamesKey("datadir", e);
        assertTrue(e.getMessage().contains("normalized"), e.getMessage());
        assertEquals(Path.of(dir).normalize(), d.build().toSource(Source.Origin.CONFIG).datadir());
    }

    @Test
    void aTrailingSlashIsNotUnnormalized() {
        Def d = datadir();
        d.datadir = "/var/lib/pg/";
        assertEquals(Path.of("/var/lib/pg"), d.build().toSource(Source.Origin.API).datadir());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/srv/\u001b[2Jpg", "/srv/pg\n", "/srv/p\u0085g"})
    void controlCharactersInPathsAreRefused(String dir) {
        Def d = datadir();
        d.datadir = dir;
        KopiException e = refused(d, "config");
        assertNamesKey("datadir", e);
        assertFalse(e.getMessage().contains("\u001b"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aNulInAPathIsRefusedNamingTheKey() {
        Def d = datadir();
        d.datadir = "/srv/p\0g";
        assertNamesKey("datadir", refused(d, "api"));
    }

    @Test
    void everySeedScriptMustBeAbsolute() {
        Def d = seed();
        d.seed = List.of("/srv/a.sql", "b.sql");
        assertNamesKey("seed", refused(d, "api"));
        d.seed = List.of("/srv/a.sql", "");
        assertNamesKey("seed", refused(d, "api"));
        d.seed = List.of("/srv/x/../a.sql");
        assertNamesKey("seed", refused(d, "api"));
        assertEquals(List.of(Path.of("/srv/a.sql")), d.build().toSource(Source.Origin.CONFIG).seed());
    }

    @Test
    void transformsMustBeAbsoluteAndAreKeptInOrder() {
        Def d = dump();
        d.transforms = List.of("/srv/mask/2.sql", "/srv/mask/1.sql");
        assertEquals(List.of("/srv/mask/2.sql", "/srv/mask/1.sql"), d.build().toSource(Source.Origin.API).settings().transforms());
        d.transforms = List.of("/srv/mask/1.sql", "mask.sql");
        assertNamesKey("transform", refused(d, "api"));
        d.transforms = List.of("/srv/x/../mask.sql");
        assertNamesKey("transform", refused(d, "api"));
        assertEquals(List.of("/srv/mask.sql"), d.build().toSource(Source.Origin.CONFIG).settings().transforms());
    }

    @Test
    void transformsApplyToEveryKind() {
        for (Def d : List.of(datadir(), basebackup(), dump(), seed())) {
            d.transforms = List.of("/srv/mask.sql");
            assertEquals(List.of("/srv/mask.sql"), d.build().toSource(Source.Origin.API).settings().transforms());
        }
    }

    // ---- connection strings

    @ParameterizedTest
    @ValueSource(strings = {"basebackup", "dump"})
    void aMalformedConnectionStringIsRefusedNamingTheKeyWithoutThePassword(String key) {
        for (String bad : List.of("junk password=" + SECRET, "host=db1 password='" + SECRET,
                "postgresql://kopi:" + SECRET + "@db1:port/app", "postgresql://kopi:" + SECRET + "%zz@db1/app")) {
            Def d = new Def();
            if (key.equals("dump")) {
                d.dump = bad;
            } else {
                d.basebackup = bad;
            }
            assertNamesKey(key, refused(d, "api"));
        }
    }

    @Test
    void controlCharactersInAConnectionStringAreRefused() {
        Def d = new Def();
        d.dump = "host=db1\u001b[2J password=" + SECRET;
        KopiException e = refused(d, "api");
        assertNamesKey("dump", e);
        assertTrue(e.getMessage().contains("control characters"), e.getMessage());
    }

    @Test
    void theConnectionStringKeepsItsPassword() {
        Def d = dump();
        d.dump = WITH_PASSWORD;
        Source s = d.build().toSource(Source.Origin.API);
        assertEquals(SECRET, s.conninfo().password());
        assertFalse(s.location().contains(SECRET), s.location());
    }

    // ---- superuser

    @ParameterizedTest
    @ValueSource(strings = {"postgres", "kopi_admin", "Admin", "_x", "a.b-c$d"})
    void roleNames(String role) {
        Def d = datadir();
        d.superuser = role;
        assertEquals(role, d.build().toSource(Source.Origin.API).superuser());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1admin", "a b", "x;drop", "-x", "\u001b"})
    void notRoleNames(String role) {
        Def d = datadir();
        d.superuser = role;
        KopiException e = refused(d, "api");
        assertNamesKey("superuser", e);
        assertFalse(e.getMessage().contains("\u001b"));
    }

    @Test
    void roleNamesAreAtMost63Characters() {
        Def d = datadir();
        d.superuser = "a".repeat(63);
        d.build().toSource(Source.Origin.API);
        d.superuser = "a".repeat(64);
        assertNamesKey("superuser", refused(d, "api"));
    }

    // ---- schedule and keep

    @Test
    void scheduleIsValidatedAndStoredStripped() {
        Def d = datadir();
        d.schedule = "  0 3 * * *  ";
        assertEquals("0 3 * * *", d.build().toSource(Source.Origin.API).settings().schedule());
        d.schedule = "@daily";
        assertEquals("@daily", d.build().toSource(Source.Origin.API).settings().schedule());
        d.schedule = "   ";
        assertNull(d.build().toSource(Source.Origin.API).settings().schedule());
        d.schedule = null;
        assertNull(d.build().toSource(Source.Origin.API).settings().schedule());
    }

    @ParameterizedTest
    @ValueSource(strings = {"daily", "0 3 * *", "61 * * * *", "@reboot", "* * * * * * *"})
    void badSchedulesAreRefusedNamingTheKey(String expr) {
        Def d = datadir();
        d.schedule = expr;
        assertNamesKey("schedule", refused(d, "api"));
    }

    @Test
    void keep() {
        Def d = datadir();
        assertEquals(0, d.build().toSource(Source.Origin.API).settings().keep());
        d.keep = 0;
        assertEquals(0, d.build().toSource(Source.Origin.API).settings().keep());
        d.keep = 7;
        assertEquals(7, d.build().toSource(Source.Origin.API).settings().keep());
        d.keep = -1;
        assertNamesKey("keep", refused(d, "api"));
    }

    // ---- passwords

    @Test
    void passwordFileAndEnvAreForServersOnly() {
        for (Def d : List.of(datadir(), seed())) {
            d.passwordFile = "/etc/kopi/pw";
            assertNamesKey("password_file", refused(d, "api"));
        }
        for (Def d : List.of(datadir(), seed())) {
            d.passwordEnv = "KOPI_PW";
            assertNamesKey("password_env", refused(d, "api"));
        }
    }

    @Test
    void passwordFileAndEnvAreKeptInTheSettings() {
        Def d = basebackup();
        d.passwordFile = "/etc/kopi/pw";
        assertEquals("/etc/kopi/pw", d.build().toSource(Source.Origin.API).settings().passwordFile());
        d = dump();
        d.passwordEnv = "KOPI_PW";
        assertEquals("KOPI_PW", d.build().toSource(Source.Origin.API).settings().passwordEnv());
    }

    @Test
    void thePasswordFileIsAnAbsolutePath() {
        Def d = dump();
        d.passwordFile = "pw.txt";
        assertNamesKey("password_file", refused(d, "api"));
        d.passwordFile = "/etc/kopi/../kopi/pw";
        assertNamesKey("password_file", refused(d, "api"));
        assertEquals("/etc/kopi/pw", d.build().toSource(Source.Origin.CONFIG).settings().passwordFile(),
                "normalized from the config file like every other path");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1PW", "PG-PASS", "A B", "X=1", "\u00c4"})
    void passwordEnvMustBeAVariableName(String name) {
        Def d = dump();
        d.passwordEnv = name;
        assertNamesKey("password_env", refused(d, "api"));
    }

    @Test
    void passwordEnvIsAtMost128Characters() {
        Def d = dump();
        d.passwordEnv = "P".repeat(128);
        d.build().toSource(Source.Origin.API);
        d.passwordEnv = "P".repeat(129);
        assertNamesKey("password_env", refused(d, "api"));
    }

    static Stream<Arguments> twoPasswords() {
        return Stream.of(
                Arguments.of(with(dump(), d -> { d.dump = WITH_PASSWORD; d.passwordFile = "/etc/kopi/pw"; }),
                        "password_file"),
                Arguments.of(with(dump(), d -> { d.dump = WITH_PASSWORD; d.passwordEnv = "PW"; }), "password_env"),
                Arguments.of(with(basebackup(), d -> { d.passwordFile = "/etc/kopi/pw"; d.passwordEnv = "PW"; }),
                        "password_file"),
                Arguments.of(with(basebackup(), d -> {
                    d.basebackup = "postgresql://kopi:" + SECRET + "@db1";
                    d.passwordEnv = "PW";
                }), "password_env"));
    }

    @ParameterizedTest
    @MethodSource("twoPasswords")
    void thePasswordIsGivenOneWay(Def d, String key) {
        KopiException e = refused(d, "api");
        assertNamesKey(key, e);
        assertTrue(e.getMessage().contains("one way"), e.getMessage());
    }

    // ---- database

    @Test
    void databaseForDumpAndSeed() {
        for (Def d : List.of(dump(), seed())) {
            d.database = "copy";
            assertEquals("copy", d.build().toSource(Source.Origin.API).settings().database());
        }
        for (Def d : List.of(datadir(), basebackup())) {
            d.database = "copy";
            assertNamesKey("database", refused(d, "api"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "tab\there", "x\u001b"})
    void badDatabaseNames(String db) {
        Def d = dump();
        d.database = db;
        assertNamesKey("database", refused(d, "api"));
    }

    @Test
    void databaseNamesAreAtMost63AsciiCharacters() {
        Def d = seed();
        d.database = "d".repeat(63);
        d.build().toSource(Source.Origin.API);
        d.database = "d".repeat(64);
        assertNamesKey("database", refused(d, "api"));
        d.database = "Ünïcødé name with spaces";
        assertEquals("Ünïcødé name with spaces", d.build().toSource(Source.Origin.API).settings().database());
    }

    @Test
    void databaseNamesAreAtMost63BytesAsInPostgres() {
        Def d = dump();
        d.database = "\u00e9".repeat(31) + "x"; // 63 bytes in UTF-8
        d.build().toSource(Source.Origin.API);
        d.database = "\u00e9".repeat(32); // 32 characters, 64 bytes: PostgreSQL would truncate it
        assertNamesKey("database", refused(d, "api"));
    }

    // ---- dump options

    @Test
    void dumpOptionsAreKept() {
        Def d = dump();
        d.jobs = 8;
        d.schemas = List.of("public", "app_*");
        d.excludeSchemas = List.of("audit");
        d.excludeTables = List.of("public.big");
        d.excludeTableData = List.of("public.log*");
        d.noOwner = true;
        SourceSettings.DumpOptions o = d.build().toSource(Source.Origin.API).settings().dump();
        assertEquals(new SourceSettings.DumpOptions(8, List.of("public", "app_*"), List.of("audit"),
                List.of("public.big"), List.of("public.log*"), true), o);
    }

    @Test
    void dumpOptionsDefault() {
        assertEquals(SourceSettings.DumpOptions.DEFAULT, dump().build().toSource(Source.Origin.API).settings().dump());
        assertEquals(2, dump().build().toSource(Source.Origin.API).settings().dump().jobs());
    }

    static Stream<Arguments> dumpOnly() {
        return Stream.of(
                Arguments.of((Consumer<Def>) d -> d.jobs = 2, "jobs"),
                Arguments.of((Consumer<Def>) d -> d.schemas = List.of("public"), "schemas"),
                Arguments.of((Consumer<Def>) d -> d.excludeSchemas = List.of("audit"), "exclude_schemas"),
                Arguments.of((Consumer<Def>) d -> d.excludeTables = List.of("t"), "exclude_tables"),
                Arguments.of((Consumer<Def>) d -> d.excludeTableData = List.of("t"), "exclude_table_data"),
                Arguments.of((Consumer<Def>) d -> d.noOwner = false, "no_owner"));
    }

    @ParameterizedTest
    @MethodSource("dumpOnly")
    void dumpOptionsOnOtherKindsAreRefusedNamingTheKeyGiven(Consumer<Def> option, String key) {
        for (Def d : List.of(datadir(), basebackup(), seed())) {
            option.accept(d);
            assertNamesKey(key, refused(d, "api"));
        }
        Def d = dump();
        option.accept(d);
        d.build().toSource(Source.Origin.API);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 65, 1000})
    void jobsOutOfRange(int jobs) {
        Def d = dump();
        d.jobs = jobs;
        assertNamesKey("jobs", refused(d, "api"));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 64})
    void jobsAtTheLimits(int jobs) {
        Def d = dump();
        d.jobs = jobs;
        assertEquals(jobs, d.build().toSource(Source.Origin.API).settings().dump().jobs());
    }

    @Test
    void patternsAreChecked() {
        List<Consumer<Def>> setters = new ArrayList<>();
        List<String> keys = List.of("schemas", "exclude_schemas", "exclude_tables", "exclude_table_data");
        for (String bad : List.of("", " ", "a\nb", "x".repeat(201))) {
            setters.clear();
            setters.add(d -> d.schemas = List.of("ok", bad));
            setters.add(d -> d.excludeSchemas = List.of(bad));
            setters.add(d -> d.excludeTables = List.of(bad));
            setters.add(d -> d.excludeTableData = List.of(bad));
            for (int i = 0; i < keys.size(); i++) {
                Def d = dump();
                setters.get(i).accept(d);
                assertNamesKey(keys.get(i), refused(d, "api"));
            }
        }
        Def d = dump();
        d.excludeTables = List.of("-x", "x".repeat(200), "\"Quoted Name\".*");
        assertEquals(3, d.build().toSource(Source.Origin.API).settings().dump().excludeTables().size(),
                "a leading '-' is fine: patterns go on argv as --opt=PATTERN");
    }

    // ---- max_rate

    @ParameterizedTest
    @ValueSource(strings = {"32", "32k", "100k", "50M", "1024M", "1048576", "1048576k"})
    void maxRateBetween32kAnd1024M(String rate) {
        Def d = basebackup();
        d.maxRate = rate;
        assertEquals(rate, d.build().toSource(Source.Origin.API).settings().maxRate());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "31", "31k", "0", "0M", "1025M", "1048577", "1048577k", "10G", "1.5M", "-32",
            "32 k", "k", "M", "12345678", "99999999999M", "fast", "32K", "50m", "1024m"})
    void maxRateOutOfRangeOrMalformedOrInAUnitPgBasebackupRefuses(String rate) {
        Def d = basebackup();
        d.maxRate = rate;
        assertNamesKey("max_rate", refused(d, "api"));
    }

    @Test
    void maxRateIsForBasebackupOnly() {
        for (Def d : List.of(datadir(), dump(), seed())) {
            d.maxRate = "50M";
            assertNamesKey("max_rate", refused(d, "api"));
        }
    }

    // ---- the password stays out of every message

    static Stream<Arguments> laterErrors() {
        return Stream.of(
                Arguments.of((Consumer<Def>) d -> d.superuser = "bad role", "superuser"),
                Arguments.of((Consumer<Def>) d -> d.schedule = "sometimes", "schedule"),
                Arguments.of((Consumer<Def>) d -> d.keep = -3, "keep"),
                Arguments.of((Consumer<Def>) d -> d.transforms = List.of("mask.sql"), "transform"),
                Arguments.of((Consumer<Def>) d -> d.passwordFile = "/etc/pw", "password_file"),
                Arguments.of((Consumer<Def>) d -> d.passwordEnv = "PW", "password_env"),
                Arguments.of((Consumer<Def>) d -> d.database = "", "database"),
                Arguments.of((Consumer<Def>) d -> d.jobs = 0, "jobs"),
                Arguments.of((Consumer<Def>) d -> d.schemas = List.of(""), "schemas"),
                Arguments.of((Consumer<Def>) d -> d.maxRate = "1M", "max_rate"),
                Arguments.of((Consumer<Def>) d -> d.datadir = "/srv/pg", ""));
    }

    @ParameterizedTest
    @MethodSource("laterErrors")
    void noMessageShowsThePasswordOfTheConnectionString(Consumer<Def> change, String key) {
        for (String conn : List.of(WITH_PASSWORD, "postgresql://kopi:" + SECRET + "@db1/app",
                "postgresql://db1/app?password=" + SECRET)) {
            Def d = dump();
            d.dump = conn;
            change.accept(d);
            KopiException e = refused(d, "api");
            if (!key.isEmpty()) {
                assertNamesKey(key, e);
            }
        }
    }

    @Test
    void definitionListsAreCopiedAndNeverNull() {
        List<String> seeds = new ArrayList<>(List.of("/a.sql"));
        SourceDefinition d = SourceDefinition.builder("shop").seed(seeds).build();
        seeds.add("/b.sql");
        assertEquals(List.of("/a.sql"), d.seed());
        assertEquals(List.of(), d.transforms());
        assertEquals(List.of(), d.schemas());
        assertEquals(List.of(), d.excludeSchemas());
        assertEquals(List.of(), d.excludeTables());
        assertEquals(List.of(), d.excludeTableData());
    }

    @Test
    void ofDatadirIsADataDirectorySourceWithDefaults() {
        Source s = SourceDefinition.ofDatadir("shop", "/srv/pg", "admin").toSource(Source.Origin.API);
        assertEquals(Source.Kind.DATADIR, s.kind());
        assertEquals("admin", s.superuser());
        assertEquals(SourceSettings.NONE, s.settings());
    }
}
