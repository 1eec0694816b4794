package dev.kopi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.grpc.Status;

/** Server errors (exit 1) and usage errors (exit 2): one line on stderr, never a stack trace. */
class ErrorsTest extends FakeKopidTestBase {

    @ParameterizedTest
    @EnumSource(value = Status.Code.class, names = {"INVALID_ARGUMENT", "NOT_FOUND", "ALREADY_EXISTS",
            "FAILED_PRECONDITION", "RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL"})
    void serverErrorIsOneLineWithItsDescription(Status.Code code) {
        String description = "snapshot prod@20261123T0200Z: " + code.name().toLowerCase() + " (try kopictl snapshots)";
        kopid.reply("CreateClone", Status.fromCode(code).withDescription(description));

        CliRun r = kopictl("clone", "prod@20261123T0200Z");

        assertFailure(r, description);
        assertFalse(r.err().contains("\tat "), r::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"clones", "snapshots", "sources", "status", "destroy x", "delete-snapshot p@t",
            "source remove x", "source add x --datadir /d", "source add x --seed a.sql --seed b.sql",
            "source add x --dump host=db --no-owner --jobs 4", "refresh x", "refresh x --async", "reset x", "reset x --latest",
            "extend x 1h", "protect x", "protect x --off", "snapshot x --name y", "url x", "url x --jdbc", "env x",
            "events"})
    void everyCommandMapsServerErrors(String args) {
        Status notFound = Status.NOT_FOUND.withDescription("no such thing: x");
        for (String m : List.of("ListClones", "ListSnapshots", "ListSources", "GetStatus", "DestroyClone",
                "DeleteSnapshot", "RemoveSource", "AddSource", "ResetClone", "ExtendClone", "ProtectClone",
                "CreateSnapshot", "GetClone")) {
            kopid.reply(m, notFound);
        }
        kopid.refresh(notFound);
        kopid.events(notFound);

        CliRun r = kopictl(args.split(" "));

        assertFailure(r, "no such thing: x");
        assertEquals(1, kopid.requests().size());
    }

    @Test
    void errorWithoutDescriptionNamesTheCode() {
        kopid.reply("CreateClone", Status.RESOURCE_EXHAUSTED);

        assertFailure(kopictl("clone", "prod"), "resource exhausted");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "frobnicate",                     // unknown subcommand
        "clone",                          // missing SNAPSHOT
        "clone prod --bogus",             // unknown option
        "--bogus clones",                 // unknown option on the root
        "source add x",                   // missing --datadir
        "source add --datadir /d",        // missing NAME
        "source add x --datadir /d --seed a.sql",  // two kinds
        "source add x --basebackup a --dump b",
        "source add x --datadir /a --datadir /b",
        "source add x --seed",            // --seed without its value
        "source add x --datadir /d --keep",
        "source add x --datadir /d --keep all",    // not a number
        "source add x --datadir /d --jobs many",
        "source add x --datadir /d --no-owner=maybe",
        "source add x --datadir /d --schedule @daily --schedule @hourly",
        "source add x --datadir /d extra",
        "refresh x --async extra",
        "refresh --async",
        "-o xml clones",                  // bad format
        "clones -o xml",
        "destroy",                        // missing CLONE
        "status extra",                   // unexpected argument
        "delete-snapshot",
        "refresh",
        "source remove",
        "",                               // no subcommand
        "source",                         // no source subcommand
        "--socket",                       // option without its value
        "reset",                          // missing CLONE
        "reset x --to",                   // --to without its value
        "reset x --to p --latest",        // mutually exclusive
        "reset x --latest --to p",
        "extend",
        "extend x",                       // missing DURATION
        "extend x 1h extra",
        "protect",
        "protect x --on",                 // unknown option
        "snapshot x",                     // missing --name
        "snapshot --name y",              // missing CLONE
        "url",
        "env",
        "env x y",
        "psql",
        "events extra",
        "events --history",
        "events --history many",
        "events --history -1",
        "clone prod --ttl",               // --ttl without its value
        "clone prod --idle",
    })
    void usageErrorExitsTwoWithOneLineMentioningHelp(String args) {
        CliRun r = kopictl(args.isEmpty() ? new String[0] : args.split(" "));

        assertEquals(2, r.code(), r::toString);
        assertEquals("", r.out(), r::toString);
        List<String> err = r.errLines();
        assertEquals(1, err.size(), r::toString);
        assertTrue(err.get(0).startsWith("kopictl: "), r::toString);
        assertTrue(err.get(0).contains("--help"), r::toString);
        assertFalse(err.get(0).contains("Exception"), r::toString);
        assertEquals(List.of(), kopid.requests(), "a usage error must not call kopid");
    }

    @Test
    void usageErrorsNameWhatIsWrong() {
        assertTrue(kopictl("frobnicate").err().contains("frobnicate"));
        assertTrue(kopictl("clone").err().contains("SNAPSHOT"));
        assertTrue(kopictl("clone", "p", "--bogus").err().contains("--bogus"));
        assertTrue(kopictl("source", "add", "x").err().contains("--datadir"));
        String kinds = kopictl("source", "add", "x", "--dump", "h", "--seed", "a").err();
        assertTrue(kinds.contains("--dump") && kinds.contains("--seed") && kinds.contains("mutually exclusive"), kinds);
        assertTrue(kopictl("source", "add", "x", "--seed", "a", "--jobs", "n").err().contains("--jobs"));
        assertTrue(kopictl("source", "add", "x", "--seed", "a", "--schedule", "a", "--schedule", "b").err()
                .contains("--schedule is given more than once"));
        assertTrue(kopictl("-o", "xml", "clones").err().contains("xml"));
        assertTrue(kopictl("extend", "x").err().contains("DURATION"));
        assertTrue(kopictl("snapshot", "x").err().contains("--name"));
        String both = kopictl("reset", "x", "--to", "p", "--latest").err();
        assertTrue(both.contains("--to") && both.contains("--latest"), both);
    }

    @Test
    void unavailableWithoutDescriptionDoesNotPrintNull() {
        kopid.reply("GetStatus", Status.UNAVAILABLE);

        CliRun r = kopictl("status");

        assertEquals(1, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertFalse(r.err().contains("null"), r::toString);
    }

    @Test
    void multiLineDescriptionIsPrintedAsOneLine() {
        kopid.reply("CreateClone", Status.INTERNAL.withDescription("postgres did not start:\nFATAL: bad config"));

        CliRun r = kopictl("clone", "prod");

        assertEquals(1, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("FATAL: bad config"), r::toString);
    }
}
