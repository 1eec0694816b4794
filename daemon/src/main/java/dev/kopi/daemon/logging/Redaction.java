package dev.kopi.daemon.logging;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks secrets in text about to be logged: the last line of defence, applied by both log
 * formats to every message, field and stack trace, for a secret that slipped into an error
 * message (a tool's stderr, a driver's exception, a connection string). kopid's own code keeps
 * passwords out of messages in the first place (see the source's connection strings); this
 * catches what it does not write itself.
 */
public final class Redaction {
    /** What a secret is replaced with, the same mask the API and kopictl show. */
    public static final String MASK = "********";

    /** The user-info password of a URI: {@code postgresql://user:PASS@host}. */
    private static final Pattern URI_PASSWORD = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://[^\\s:/@?#]*):([^\\s@/]*)@");
    /**
     * {@code password=x}, {@code PGPASSWORD=x}, {@code "password": "x"}, {@code token: x}: a secret's
     * name, an equals sign or a colon, and a value (quoted, or up to a space or separator).
     */
    private static final Pattern KEY_VALUE = Pattern.compile("(?i)\\b(pgpassword|password|passwd|pwd|passphrase"
            + "|secret|token|api[_-]?key)([\"']?\\s*[=:]\\s*)('(?:[^'\\\\]|\\\\.|'')*'|\"(?:[^\"\\\\]|\\\\.)*\"|[^\\s&;,'\"]+)");
    /** SQL: {@code PASSWORD 'x'} in CREATE/ALTER ROLE. */
    private static final Pattern SQL_PASSWORD = Pattern.compile("(?i)\\b(password\\s+)('(?:[^']|'')*')");
    /** HTTP and gRPC credentials: {@code Bearer x}, {@code Authorization: Basic x} (the scheme is kept). */
    private static final Pattern BEARER = Pattern.compile("(?i)\\b(bearer\\s+)[A-Za-z0-9._~+/=-]+");
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "(?i)\\b(authorization\\s*[=:]\\s*)((?:basic|bearer|digest|negotiate)\\s+)?[^\\s,;]+");
    /** Password hashes are as good as passwords: SCRAM verifiers and md5 hashes. */
    private static final Pattern SCRAM = Pattern.compile("(SCRAM-SHA-256\\$)[^\\s'\"]+");
    private static final Pattern MD5 = Pattern.compile("\\bmd5[0-9a-f]{32}\\b");
    /** Field names whose value is a secret whatever it looks like. */
    private static final List<String> SECRET_NAMES = List.of("password", "passwd", "pgpassword", "secret", "token",
            "authorization", "api_key", "apikey");

    private Redaction() {
    }

    /** {@code text} with every secret it recognises masked; null stays null. */
    public static String apply(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String s = URI_PASSWORD.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + ":" + MASK + "@"));
        s = KEY_VALUE.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + m.group(2) + masked(m.group(3))));
        s = SQL_PASSWORD.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + "'" + MASK + "'"));
        s = AUTHORIZATION.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1)
                + (m.group(2) == null ? "" : m.group(2)) + MASK));
        s = BEARER.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK));
        s = SCRAM.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK));
        return MD5.matcher(s).replaceAll("md5" + MASK);
    }

    /** Whether a field called {@code name} holds a secret (its value is never written). */
    public static boolean isSecretName(String name) {
        String n = name.toLowerCase(Locale.ROOT).replace('-', '_');
        return SECRET_NAMES.stream().anyMatch(n::contains);
    }

    /** The mask, keeping the quotes of a quoted value so the text around it still reads. */
    private static String masked(String value) {
        char q = value.charAt(0);
        return q == '\'' || q == '"' ? q + MASK + q : MASK;
    }
}
