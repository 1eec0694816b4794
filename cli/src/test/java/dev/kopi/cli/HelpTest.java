package dev.kopi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HelpTest {
    @Test
    void version() {
        CliRun r = CliRun.kopictl(Map.of(), "--version");

        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("kopictl"), r::toString);
        assertEquals(1, r.outLines().size(), r::toString);
        assertEquals("", r.err());
    }

    /** --version alone builds no command; with --help beside it, help still lists them all. */
    @Test
    void versionAloneAddsNoCommandButHelpBesideItListsThem() {
        assertTrue(KopiCtl.versionOnly(new String[] {"--version"}));
        assertTrue(KopiCtl.versionOnly(new String[] {"-V"}));
        assertFalse(KopiCtl.versionOnly(new String[] {"--version", "--help"}));
        assertFalse(KopiCtl.versionOnly(new String[] {"clones"}));

        CliRun r = CliRun.kopictl(Map.of(), "--help", "--version");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("clones"), r::toString);
    }

    @Test
    void helpListsEverySubcommand() {
        CliRun r = CliRun.kopictl(Map.of(), "--help");

        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err());
        List<String> lines = r.outLines();
        for (String sub : List.of("clone", "clones", "destroy", "diff", "snapshots", "delete-snapshot", "sources", "source",
                "refresh", "status", "reset", "extend", "protect", "snapshot", "url", "env", "psql", "events", "token",
                "ca")) {
            assertTrue(lines.stream().anyMatch(l -> l.strip().startsWith(sub + " ")),
                    "--help lists " + sub + ":\n" + r.out());
        }
        assertTrue(r.out().contains("--socket"), r::toString);
        assertTrue(r.out().contains("--host") && r.out().contains("--token-file") && r.out().contains("--ca"), r::toString);
        assertTrue(!r.out().contains("--token="), "a token is never an argument: " + r.out());
    }

    @Test
    void helpSubcommandShowsSubcommandUsage() {
        CliRun r = CliRun.kopictl(Map.of(), "help", "clone");

        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("SNAPSHOT") && r.out().contains("--name") && r.out().contains("--database"),
                r::toString);
    }

    @Test
    void helpCloneShowsTheLifecycleOptions() {
        CliRun r = CliRun.kopictl(Map.of(), "clone", "--help");

        assertTrue(r.out().contains("--ttl=DURATION") && r.out().contains("--idle=DURATION")
                && r.out().contains("--protect"), r::toString);
    }

    @Test
    void helpResetShowsTheChoiceOfTarget() {
        CliRun r = CliRun.kopictl(Map.of(), "reset", "--help");

        assertTrue(r.out().replaceAll("\\s+", " ").contains("[--to=SNAPSHOT | --latest]"), r::toString);
    }

    @Test
    void helpSourceAddShowsTheKindsAndEverySetting() {
        CliRun r = CliRun.kopictl(Map.of(), "source", "add", "--help");

        assertEquals(0, r.code(), r::toString);
        String out = r.out().replaceAll("\\s+", " ");
        assertTrue(out.contains("(--datadir=PATH | --basebackup=CONNINFO | --dump=CONNINFO | --seed=FILE [--seed=FILE]... "
                + "| --replica=CONNINFO)"),
                r::toString);
        for (String option : List.of("--schedule=CRON", "--keep=N", "--transform=FILE", "--password-file=FILE",
                "--password-env=VAR", "--superuser=ROLE", "--database=DB", "--jobs=N", "--schema=PATTERN",
                "--exclude-schema=PATTERN", "--exclude-table=PATTERN", "--exclude-table-data=PATTERN", "--no-owner",
                "--max-rate=RATE", "--slot=NAME", "--wal-keep=DURATION")) {
            assertTrue(out.contains(option), option + " in:\n" + r.out());
        }
    }

    @Test
    void helpRefreshShowsAsync() {
        CliRun r = CliRun.kopictl(Map.of(), "refresh", "--help");

        assertTrue(r.out().contains("--async"), r::toString);
    }

    /** Every usage error says "see 'kopictl SUB --help'", so that must work. */
    @ParameterizedTest
    @ValueSource(strings = {"clone", "clones", "destroy", "diff", "snapshots", "delete-snapshot", "sources", "source",
            "source add", "source remove", "refresh", "status", "reset", "extend", "protect", "snapshot", "url", "env",
            "psql", "events"})
    void subcommandHelpOption(String sub) {
        String[] args = (sub + " --help").split(" ");

        CliRun r = CliRun.kopictl(Map.of(), args);

        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("Usage: kopictl " + sub), r::toString);
        assertEquals("", r.err());
    }

    /** The command table names each command as its own annotation does (help and usage errors show those). */
    @Test
    void commandTableNamesMatchTheCommands() {
        KopiCtl.COMMANDS.forEach((name, type) ->
                assertEquals(type.getAnnotation(picocli.CommandLine.Command.class).name(), name, type::getName));
        assertEquals(22, KopiCtl.COMMANDS.size(), KopiCtl.COMMANDS::toString);
    }

    /** The command is found behind kopictl's own options and their values, however they are written. */
    @Test
    void commandNameSkipsGlobalOptions() {
        assertEquals("clones", KopiCtl.commandName(new String[] {"--socket", "/s", "-o", "json", "clones", "x"}));
        assertEquals("clones", KopiCtl.commandName(new String[] {"--socket=/s", "-ojson", "clones"}));
        assertEquals("url", KopiCtl.commandName(new String[] {"--host", "h:1", "--ca", "c", "--token-file", "t", "url"}));
        assertEquals(null, KopiCtl.commandName(new String[] {"--version"}));
        assertEquals(null, KopiCtl.commandName(new String[] {"--", "clones"}));
    }

    /** An unknown command still gets picocli's suggestion, which needs every command. */
    @Test
    void unknownCommandSuggestsTheNearest() {
        CliRun r = CliRun.kopictl(Map.of(), "clonez");

        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().contains("clonez") && r.err().contains("clone"), r::toString);
    }

    /** kopictl's options work after the command too (they are inherited), with only that command built. */
    @Test
    void globalOptionAfterTheCommand() {
        CliRun r = CliRun.kopictl(Map.of(), "clones", "--socket", "/nonexistent/kopi.sock");

        assertEquals(1, r.code(), r::toString);
        assertTrue(r.err().contains("/nonexistent/kopi.sock"), r::toString);
    }
}
