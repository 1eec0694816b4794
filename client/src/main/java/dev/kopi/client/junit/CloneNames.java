package dev.kopi.client.junit;

import java.security.SecureRandom;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Readable, unique clone names for tests, e.g. {@code junit-ordertest-cancelsorders-k3x9q2}:
 * valid for kopid (1-63 characters of {@code [a-z0-9._-]}, starting with a letter or digit,
 * no {@code ..}), whatever the class and method are called.
 */
final class CloneNames {
    static final int MAX = 63;
    private static final int PART = 24;
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private CloneNames() {
    }

    /** {@code junit-<class>-<method>-<random>}. */
    static String forMethod(Class<?> testClass, String method) {
        return name(testClass.getSimpleName(), method, suffix());
    }

    /** {@code junit-<class>-<random>}. */
    static String forClass(Class<?> testClass) {
        return name(testClass.getSimpleName(), "", suffix());
    }

    static String name(String className, String method, String suffix) {
        StringJoiner j = new StringJoiner("-");
        j.add("junit");
        for (String part : new String[] {sanitize(className, PART), sanitize(method, PART), suffix}) {
            if (!part.isEmpty()) {
                j.add(part);
            }
        }
        String name = j.toString();
        return name.length() <= MAX ? name : name.substring(0, MAX);
    }

    /** Lower case, runs of anything outside {@code [a-z0-9._-]} as one '-', no "..", trimmed to {@code max}. */
    static String sanitize(String s, int max) {
        String t = s.toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9._-]+", "-")
                .replaceAll("\\.{2,}", ".")
                .replaceAll("-{2,}", "-");
        t = trim(t);
        if (t.length() > max) {
            t = trim(t.substring(0, max));
        }
        return t;
    }

    private static String trim(String s) {
        return s.replaceAll("^[._-]+", "").replaceAll("[._-]+$", "");
    }

    static String suffix() {
        char[] c = new char[6];
        for (int i = 0; i < c.length; i++) {
            c[i] = ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length()));
        }
        return new String(c);
    }
}
