package dev.kopi.daemon.core;

import java.util.regex.Pattern;

import dev.kopi.daemon.source.Sources;

/**
 * The one place names are checked. A name reaches a path, a dataset name or an argv only after
 * passing here, so nothing else needs to escape or quote it.
 */
public final class Names {
    /** Sources and clones. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    /** Snapshot tags (generated as UTC timestamps like 20261123T020000Z). */
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private Names() {
    }

    /** Returns {@code value} if it is a valid source or clone name, else INVALID_ARGUMENT. */
    public static String require(String what, String value) {
        if (value == null || value.isEmpty()) {
            throw KopiException.invalid(what + " name is empty");
        }
        if (!NAME.matcher(value).matches() || value.contains("..")) {
            throw KopiException.invalid(what + " name '" + printable(value)
                    + "' is not valid: use 1-63 characters from a-z, 0-9, '.', '_', '-', starting with a letter or digit");
        }
        return value;
    }

    /** Returns {@code value} if it is a valid snapshot tag, else INVALID_ARGUMENT. */
    public static String requireTag(String value) {
        if (value == null || value.isEmpty() || !TAG.matcher(value).matches() || value.contains("..")) {
            throw KopiException.invalid("snapshot tag '" + printable(value == null ? "" : value)
                    + "' is not valid: use 1-63 characters from A-Z, a-z, 0-9, '.', '_', '-'");
        }
        return value;
    }

    /** Whether {@code s} holds characters that could break a terminal or a log line. */
    public static boolean hasControlCharacters(String s) {
        return s.codePoints().anyMatch(Names::isControl);
    }

    private static boolean isControl(int cp) {
        return Character.getType(cp) == Character.CONTROL // C0, DEL, C1 (incl. NEL)
                || cp == 0x2028 || cp == 0x2029; // line and paragraph separators
    }

    /** Keeps error messages on one line and short, whatever was sent. */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < s.length() && shown < 80; shown++) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (isControl(cp)) {
                b.append('?');
            } else {
                b.appendCodePoint(cp); // whole code points: never half a surrogate pair
            }
        }
        return s.codePointCount(0, s.length()) > 80 ? b + "..." : b.toString();
    }
}
