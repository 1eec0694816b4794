package dev.kopi.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.source.Source;

/** The sources section: every key, and errors as "config ORIGIN: sources.NAME.KEY: problem". */
class ConfigLoaderSourcesTest {
    private static final String ORIGIN = "test.yaml";
    private static final String SECRET = "s3cretPw";

    private static Source only(String yaml) {
        var sources = ConfigLoader.parse(yaml, ORIGIN).sources();
        assertEquals(1, sources.size(), sources.toString());
        return sources.values().iterator().next();
    }

    private static KopiException refused(String yaml) {
        KopiException e = assertThrows(KopiException.class, () -> ConfigLoader.parse(yaml, ORIGIN));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET), () -> "password in: " + e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), () -> "part of the password in: " + e.getMessage());
        return e;
    }

    private static void assertNamesKey(String key, KopiException e) {
        String prefix = "config " + ORIGIN + ": " + key + ": ";
        assertTrue(e.getMessage().startsWith(prefix), () -> "expected '" + prefix + "...' but got: " + e.getMessage());
        assertTrue(e.getMessage().length() > prefix.length(), "the problem is described");
    }

    @Test
    void aBasebackupSourceWithEverything() {
        Source s = only("""
                sources:
                  replica:
                    basebackup: host=db1 user=kopi password=%s
                    superuser: admin
                    schedule: "0 3 * * *"
                    keep: 3
                    transform:
                      - /etc/kopi/mask/users.sql
                      - /etc/kopi/mask/../mask/orders.sql
                    max_rate: 50M
                """.formatted(SECRET));
        assertEquals("replica", s.name());
        assertEquals(Source.Kind.BASEBACKUP, s.kind());
        assertEquals("config", s.origin().word());
        assertEquals(SECRET, s.conninfo().password());
        assertEquals("admin", s.superuser());
        assertEquals(new SourceSettings("0 3 * * *", 3, List.of("/etc/kopi/mask/users.sql",
                "/etc/kopi/mask/orders.sql"), null, null, null, null, "50M"), s.settings());
    }

    @Test
    void aDumpSourceWithEveryOption() {
        Source s = only("""
                sources:
                  copy:
                    dump: postgresql://kopi@db1:5432/app?sslmode=require
                    password_env: KOPI_SRC_PW
                    database: appcopy
                    jobs: 4
                    schemas: [public, app]
                    exclude_schemas: audit
                    exclude_tables:
                      - public.big
                    exclude_table_data: [public.log, "public.events_*"]
                    no_owner: yes
                    transform: /etc/kopi/mask.sql
                    schedule: "@daily"
                """);
        assertEquals(Source.Kind.DUMP, s.kind());
        assertEquals("require", s.conninfo().get("sslmode"));
        SourceSettings st = s.settings();
        assertEquals("KOPI_SRC_PW", st.passwordEnv());
        assertEquals("appcopy", st.database());
        assertEquals("@daily", st.schedule());
        assertEquals(List.of("/etc/kopi/mask.sql"), st.transforms(), "one value stands for a list of one");
        assertEquals(new SourceSettings.DumpOptions(4, List.of("public", "app"), List.of("audit"),
                List.of("public.big"), List.of("public.log", "public.events_*"), true), st.dump());
    }

    @Test
    void aSeedSourceAsAListOrASingleScript() {
        Source list = only("""
                sources:
                  seeded:
                    seed:
                      - /srv/seed/01-schema.sql
                      - /srv/seed/x/../02-data.sql
                    database: app
                """);
        assertEquals(Source.Kind.SEED, list.kind());
        assertEquals(List.of(Path.of("/srv/seed/01-schema.sql"), Path.of("/srv/seed/02-data.sql")), list.seed());
        assertEquals("app", list.settings().database());

        Source single = only("sources:\n  seeded:\n    seed: /srv/seed/all.sql\n");
        assertEquals(List.of(Path.of("/srv/seed/all.sql")), single.seed());
    }

    @Test
    void aPasswordFileIsKeptNormalized() {
        Source s = only("sources:\n  copy:\n    dump: host=db1\n    password_file: /etc/kopi/../kopi/pw\n");
        assertEquals("/etc/kopi/pw", s.settings().passwordFile());
    }

    @ParameterizedTest
    @CsvSource({"yes, true", "true, true", "on, true", "no, false", "false, false", "off, false"})
    void noOwnerIsABoolean(String yaml, boolean expected) {
        Source s = only("sources:\n  copy:\n    dump: host=db1\n    no_owner: " + yaml + "\n");
        assertEquals(expected, s.settings().dump().noOwner());
    }

    @Test
    void unsetKeysHaveTheirDefaults() {
        Source s = only("sources:\n  copy:\n    dump: host=db1\n");
        assertEquals(SourceSettings.NONE, s.settings());
        assertNull(s.superuser());
        assertNull(s.settings().schedule());
        assertEquals(0, s.settings().keep());
        assertEquals(2, s.settings().dump().jobs());
    }

    @Test
    void sixFieldSchedulesAndNumbersAsYamlNumbers() {
        Source s = only("sources:\n  often:\n    datadir: /srv/pg\n    schedule: '*/30 * * * * *'\n    keep: 0\n");
        assertEquals("*/30 * * * * *", s.settings().schedule());
        assertEquals(0, s.settings().keep());
        Source r = only("sources:\n  r:\n    basebackup: host=db1\n    max_rate: 1024\n");
        assertEquals("1024", r.settings().maxRate());
    }

    @Test
    void unknownKeysListTheNewOnes() {
        KopiException e = refused("sources:\n  x:\n    dump: host=db1\n    job: 2\n");
        assertNamesKey("sources.x.job", e);
        for (String key : List.of("basebackup", "dump", "seed", "schedule", "keep", "transform", "password_file",
                "password_env", "database", "jobs", "schemas", "exclude_schemas", "exclude_tables",
                "exclude_table_data", "no_owner", "max_rate")) {
            assertTrue(e.getMessage().contains(key), key + " in " + e.getMessage());
        }
    }

    static Stream<Arguments> badValues() {
        String dump = "sources:\n  x:\n    dump: host=db1 password=" + SECRET + "\n";
        String base = "sources:\n  x:\n    basebackup: postgresql://kopi:" + SECRET + "@db1\n";
        String dir = "sources:\n  x:\n    datadir: /srv/pg\n";
        return Stream.of(
                arguments(dump + "    keep: -1", "sources.x.keep"),
                arguments(dump + "    keep: many", "sources.x.keep"),
                arguments(dump + "    keep: [1]", "sources.x.keep"),
                arguments(dump + "    jobs: 0", "sources.x.jobs"),
                arguments(dump + "    jobs: 65", "sources.x.jobs"),
                arguments(dump + "    jobs: two", "sources.x.jobs"),
                arguments(dump + "    no_owner: maybe", "sources.x.no_owner"),
                arguments(dump + "    schedule: daily", "sources.x.schedule"),
                arguments(dump + "    schedule: '61 * * * *'", "sources.x.schedule"),
                arguments(dump + "    schedule: [a]", "sources.x.schedule"),
                arguments(dump + "    transform: mask.sql", "sources.x.transform"),
                arguments(dump + "    transform: {a: 1}", "sources.x.transform"),
                arguments(dump + "    transform: [[/a.sql]]", "sources.x.transform"),
                arguments(dump + "    password_file: pw.txt", "sources.x.password_file"),
                arguments(dump + "    password_file: /etc/pw", "sources.x.password_file"),
                arguments(dump + "    password_env: 1PW", "sources.x.password_env"),
                arguments(dump + "    password_env: PW", "sources.x.password_env"),
                arguments(dump + "    database: ''", "sources.x.database"),
                arguments(dump + "    database: " + "d".repeat(64), "sources.x.database"),
                arguments(dump + "    schemas: ['']", "sources.x.schemas"),
                arguments(dump + "    exclude_schemas: ['']", "sources.x.exclude_schemas"),
                arguments(dump + "    exclude_tables: {a: b}", "sources.x.exclude_tables"),
                arguments(dump + "    exclude_table_data: ['']", "sources.x.exclude_table_data"),
                arguments(dump + "    max_rate: 50M", "sources.x.max_rate"),
                arguments(dump + "    seed: /a.sql", "sources.x"),
                arguments(base + "    max_rate: 10G", "sources.x.max_rate"),
                arguments(base + "    max_rate: 16k", "sources.x.max_rate"),
                arguments(base + "    max_rate: 50m", "sources.x.max_rate"),
                arguments(dump + "    database: " + "\u00e9".repeat(32), "sources.x.database"),
                arguments(base + "    schemas: [public]", "sources.x.schemas"),
                arguments(base + "    no_owner: true", "sources.x.no_owner"),
                arguments(base + "    jobs: 2", "sources.x.jobs"),
                arguments(base + "    database: app", "sources.x.database"),
                arguments(base + "    password_env: PW", "sources.x.password_env"),
                arguments(dir + "    password_file: /etc/pw", "sources.x.password_file"),
                arguments(dir + "    password_env: PW", "sources.x.password_env"),
                arguments(dir + "    exclude_table_data: [t]", "sources.x.exclude_table_data"),
                arguments(dir + "    superuser: 'bad role'", "sources.x.superuser"),
                arguments("sources:\n  x:\n    seed: [/a.sql, b.sql]", "sources.x.seed"),
                arguments("sources:\n  x:\n    seed: {a: b}", "sources.x.seed"),
                arguments("sources:\n  x:\n    basebackup: junk password=" + SECRET, "sources.x.basebackup"),
                arguments("sources:\n  x:\n    basebackup: \"host=db1 password='" + SECRET + "\"",
                        "sources.x.basebackup"),
                arguments("sources:\n  x:\n    dump: postgresql://kopi:" + SECRET + "@db1:x/app", "sources.x.dump"),
                arguments("sources:\n  x:\n    dump: postgresql://kopi:s3cret/Pw@db1/app", "sources.x.dump"),
                arguments("sources:\n  x:\n    dump: [host=db1]", "sources.x.dump"),
                arguments("sources:\n  x:\n    keep: 2", "sources.x"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("badValues")
    void badValuesNameTheFullKeyAndNeverThePassword(String yaml, String key) {
        assertNamesKey(key, refused(yaml));
    }

    @Test
    void twoKindsAreReportedUnderTheSource() {
        KopiException e = refused("sources:\n  x:\n    datadir: /srv/pg\n    dump: host=db1 password=" + SECRET + "\n");
        assertNamesKey("sources.x", e);
        assertTrue(e.getMessage().contains("only one of"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "sources:\n  x:\n    basebackup: host=db password=" + SECRET + ": more\n",
            "sources:\n  x:\n    basebackup: 'host=db password=" + SECRET + "\n",
            "sources:\n  x:\n    basebackup: host=db password=" + SECRET + "\n   bad: [",
            "sources:\n  x:\n    dump: postgresql://kopi:" + SECRET + "@db1/app\n    schedule: @daily\n",
            "sources:\n  x:\n    dump: postgresql://kopi:" + SECRET + "@db1/app: x\n",
    })
    void yamlErrorsDoNotQuoteThePasswordsLine(String yaml) {
        KopiException e = refused(yaml);
        assertTrue(e.getMessage().startsWith("config " + ORIGIN + " is not valid YAML: "), e.getMessage());
        assertTrue(e.getMessage().contains("line "), "still says where: " + e.getMessage());
    }

    @Test
    void unquotedCronNicknamesAndStarsAreYamlErrorsThatSayWhere() {
        // '@' cannot start a plain YAML scalar and '*' starts an alias: such schedules need quotes
        for (String v : List.of("@daily", "*/5 * * * *")) {
            KopiException e = refused("sources:\n  x:\n    datadir: /srv/pg\n    schedule: " + v + "\n");
            assertTrue(e.getMessage().contains("line 4"), e.getMessage());
        }
    }

    @Test
    void sourcesInTheConfigFileKeepTheirOrderIndependentMap() {
        var sources = ConfigLoader.parse("""
                sources:
                  b:
                    datadir: /srv/b
                  a:
                    seed: /srv/a.sql
                  c:
                    dump: host=db1
                """, ORIGIN).sources();
        assertEquals(3, sources.size());
        assertEquals(Source.Kind.DATADIR, sources.get("b").kind());
        assertEquals(Source.Kind.SEED, sources.get("a").kind());
        assertEquals(Source.Kind.DUMP, sources.get("c").kind());
        assertThrows(UnsupportedOperationException.class, () -> sources.remove("a"));
    }
}
