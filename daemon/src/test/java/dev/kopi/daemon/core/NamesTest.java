package dev.kopi.daemon.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {
    private static final String MAX = "a".repeat(63);

    private static KopiException refusedName(String value) {
        KopiException e = assertThrows(KopiException.class, () -> Names.require("clone", value));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        return e;
    }

    private static KopiException refusedTag(String value) {
        KopiException e = assertThrows(KopiException.class, () -> Names.requireTag(value));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        return e;
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "0", "prod-nightly", "db_1.2", "a.b", "a-", "x_", "9lives"})
    void acceptsSafeNamesAndReturnsThemUnchanged(String name) {
        assertEquals(name, Names.require("clone", name));
    }

    @Test
    void sixtyThreeCharactersIsTheLimit() {
        assertEquals(MAX, Names.require("source", MAX));
        refusedName(MAX + "a");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "/abs", "a\\b", "..", "a..b", "x/../y", ".hidden", "-x", "_x", "a b", " a", "a ",
            "a;reboot", "$(id)", "a$(id)", "`id`", "a`id`", "a|b", "a&b", "a>b", "a*", "a'b", "a\"b", "a~b", "a@b",
            "Prod", "prodA", "a\u0000b", "a\nb", "a\tb", "a\u007fb", "caf\u00e9", "\uff41", "a\u200bb"})
    void refusesUnsafeNames(String name) {
        refusedName(name);
    }

    @ParameterizedTest
    @NullAndEmptySource
    void refusesMissingNamesSayingWhatIsEmpty(String name) {
        assertEquals("clone name is empty", refusedName(name).getMessage());
    }

    @Test
    void messageSaysWhatKindOfNameAndWhatIsAllowed() {
        String m = assertThrows(KopiException.class, () -> Names.require("source", "Bad")).getMessage();
        assertTrue(m.startsWith("source name 'Bad' is not valid"), m);
        assertTrue(m.contains("1-63 characters"), m);
    }

    @Test
    void messageForHugeInputIsShortAndOneLine() {
        String m = refusedName("x/".repeat(100_000)).getMessage();
        assertTrue(m.length() < 250, "length " + m.length());
        assertFalse(m.contains("\n"));
        assertTrue(m.contains("..."), m);
    }

    @Test
    void messageReplacesControlCharacters() {
        String m = refusedName("a\nb\rc\u001b[31md\u0000e\u007f").getMessage();
        assertTrue(m.contains("'a?b?c?[31md?e?'"), m);
        for (char c : m.toCharArray()) {
            assertTrue(c >= 0x20 && c != 0x7f, "control character " + (int) c + " in: " + m);
        }
    }

    @Test
    void tagMessageForHugeControlInputIsShortAndOneLine() {
        String m = refusedTag("\n".repeat(10_000)).getMessage();
        assertTrue(m.length() < 200, "length " + m.length());
        assertFalse(m.contains("\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"20261123T020000Z", "20261123T020000Z-2", "v1.2", "Release_3", "a"})
    void tagsMayContainCapitals(String tag) {
        assertEquals(tag, Names.requireTag(tag));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"a/b", "..", "a..b", ".x", "-x", "a b", "a@b", "$(id)", "\u00e9t\u00e9", "a\nb"})
    void refusesUnsafeTags(String tag) {
        refusedTag(tag);
    }

    @Test
    void tagOfSixtyFourCharactersIsRefused() {
        assertEquals(MAX, Names.requireTag(MAX));
        refusedTag(MAX + "A");
    }

    @Test
    void printableKeepsShortTextAndCutsLongTextAtEighty() {
        assertEquals("short", Names.printable("short"));
        assertEquals("y".repeat(80), Names.printable("y".repeat(80)));
        assertEquals("y".repeat(80) + "...", Names.printable("y".repeat(81)));
    }
}
