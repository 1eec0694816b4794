package dev.kopi.daemon.source;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import dev.kopi.daemon.core.KopiException;

/**
 * A libpq connection string, in either of libpq's forms ({@code host=db1 user=kopi
 * password=...} or {@code postgresql://kopi:...@db1:5432/app?sslmode=require}), parsed so the
 * password can be taken out: it goes to the PostgreSQL tools through the PGPASSWORD environment
 * variable, never on their argv (where {@code ps} shows it), and is masked wherever the conninfo
 * is shown.
 */
public final class Conninfo {
    /** What replaces a password wherever a conninfo is shown. */
    public static final String MASK = "********";

    private final Map<String, String> params;
    /** Why a stored connection string could not be read; null for a good one. */
    private final String problem;

    private Conninfo(Map<String, String> params) {
        this(params, null);
    }

    private Conninfo(Map<String, String> params, String problem) {
        this.params = params;
        this.problem = problem;
    }

    /**
     * Stands for a stored connection string that no longer parses (written by an older, more
     * lenient kopid): its source is still listed and can be removed, and a refresh says why it
     * cannot run, instead of one bad record breaking every source.
     */
    public static Conninfo unreadable(String problem) {
        return new Conninfo(Map.of(), problem);
    }

    /** Throws FAILED_PRECONDITION for an {@link #unreadable} connection string. */
    public void requireReadable(String source) {
        if (problem != null) {
            throw KopiException.precondition("source " + source + ": its stored connection string cannot be read ("
                    + problem + "); remove the source and add it again");
        }
    }

    /** Parses {@code text}; INVALID_ARGUMENT with the reason when it is not a conninfo. */
    public static Conninfo parse(String text) {
        if (text == null || text.isBlank()) {
            throw KopiException.invalid("empty connection string: give e.g. 'host=db1 user=kopi dbname=app' or "
                    + "'postgresql://kopi@db1/app'");
        }
        String t = text.strip();
        Map<String, String> p = t.startsWith("postgresql://") || t.startsWith("postgres://") ? uri(t) : keywords(t);
        return new Conninfo(p);
    }

    public String get(String key) {
        return params.get(key);
    }

    public String password() {
        return params.get("password");
    }

    /** A copy with {@code password} set (or removed when null). */
    public Conninfo withPassword(String password) {
        Map<String, String> p = new LinkedHashMap<>(params);
        if (password == null) {
            p.remove("password");
        } else {
            p.put("password", password);
        }
        return new Conninfo(p);
    }

    /** A copy connecting to another database. */
    public Conninfo withDatabase(String dbname) {
        Map<String, String> p = new LinkedHashMap<>(params);
        p.put("dbname", dbname);
        return new Conninfo(p);
    }

    /** The keyword form without the password: what goes on a tool's argv. */
    public String withoutPassword() {
        return render(false);
    }

    /** The keyword form with the password masked: what logs, errors and the API show. */
    public String masked() {
        if (problem != null) {
            return "(unreadable connection string)";
        }
        return render(true);
    }

    @Override
    public String toString() {
        return masked();
    }

    /**
     * The same parameters, in either form and any order: so a {@link Source} read twice from the
     * same definition is equal to itself, password included.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof Conninfo c && params.equals(c.params) && Objects.equals(problem, c.problem);
    }

    @Override
    public int hashCode() {
        return Objects.hash(params, problem);
    }

    private String render(boolean mask) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : params.entrySet()) {
            boolean secret = e.getKey().equals("password");
            if (secret && !mask) {
                continue;
            }
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(e.getKey()).append('=').append(secret ? MASK : quote(e.getValue()));
        }
        return b.toString();
    }

    /**
     * Masks the password of a conninfo given as text, for showing text that failed to parse or
     * has not been parsed: anything after {@code password=} and a URI's {@code user:secret@}.
     */
    public static String maskText(String text) {
        if (text == null) {
            return "";
        }
        try {
            return parse(text).masked();
        } catch (KopiException e) {
            return maskByPattern(text);
        }
    }

    /** Masking without parsing, for text that does not parse (and inside the parser's own errors). */
    private static String maskByPattern(String text) {
        return text.replaceAll("(?i)(password\\s*=\\s*)('(?:\\\\[\\s\\S]|[^'\\\\])*(?:'|\\\\?\\z)"
                        + "|(?:\\\\[\\s\\S]|[^\\s\\\\])*\\\\?)", "$1" + MASK)
                .replaceAll("(://[^:/@\\s]*:)\\S*@", "$1" + MASK + "@");
    }

    private static String quote(String v) {
        if (!v.isEmpty() && v.chars().noneMatch(c -> c == ' ' || c == '\'' || c == '\\' || Character.isWhitespace(c))) {
            return v;
        }
        return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** libpq's keyword = value form, with single-quoted values and backslash escapes. */
    private static Map<String, String> keywords(String t) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = t.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(t.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int k = i;
            while (i < n && t.charAt(i) != '=' && !Character.isWhitespace(t.charAt(i))) {
                i++;
            }
            String key = t.substring(k, i).toLowerCase(Locale.ROOT);
            while (i < n && Character.isWhitespace(t.charAt(i))) {
                i++;
            }
            if (key.isEmpty() || i >= n || t.charAt(i) != '=') {
                throw KopiException.invalid("connection string: expected keyword=value at '" + maskByPattern(t.substring(k))
                        + "'");
            }
            i++;
            while (i < n && Character.isWhitespace(t.charAt(i))) {
                i++;
            }
            StringBuilder v = new StringBuilder();
            if (i < n && t.charAt(i) == '\'') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = t.charAt(i++);
                    if (c == '\\' && i < n) {
                        v.append(t.charAt(i++));
                    } else if (c == '\'') {
                        closed = true;
                        break;
                    } else {
                        v.append(c);
                    }
                }
                if (!closed) {
                    throw KopiException.invalid("connection string: unterminated quoted value for " + key);
                }
            } else {
                while (i < n && !Character.isWhitespace(t.charAt(i))) {
                    char c = t.charAt(i++);
                    if (c == '\\') {
                        if (i < n) { // a trailing backslash is dropped, as libpq does
                            v.append(t.charAt(i++));
                        }
                    } else {
                        v.append(c);
                    }
                }
            }
            out.put(key, v.toString());
        }
        if (out.isEmpty()) {
            throw KopiException.invalid("connection string has no keyword=value pairs");
        }
        return out;
    }

    /** postgresql://[user[:password]@][host[:port][,...]][/dbname][?param=value&...] */
    private static Map<String, String> uri(String t) {
        Map<String, String> out = new LinkedHashMap<>();
        String rest = t.substring(t.indexOf("://") + 3);
        // As in libpq, the user info is looked for before the first '/', so a password may hold
        // '?' unencoded; an unencoded '@' is tolerated (the last one before the path ends it).
        int firstSlash = rest.indexOf('/');
        int at = rest.lastIndexOf('@', (firstSlash >= 0 ? firstSlash : rest.length()) - 1);
        if (at >= 0) {
            String userinfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userinfo.indexOf(':');
            String user = decode(t, colon >= 0 ? userinfo.substring(0, colon) : userinfo);
            if (!user.isEmpty()) {
                out.put("user", user);
            }
            if (colon >= 0) {
                String password = decode(t, userinfo.substring(colon + 1));
                if (!password.isEmpty()) { // libpq ignores an empty one
                    out.put("password", password);
                }
            }
        }
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String path = null;
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            path = rest.substring(slash + 1);
            rest = rest.substring(0, slash);
        }
        if (!rest.isEmpty()) {
            List<String> hosts = new ArrayList<>();
            List<String> ports = new ArrayList<>();
            for (String hp : rest.split(",", -1)) {
                String host = hp;
                String port = "";
                if (hp.startsWith("[")) { // IPv6 literal
                    int end = hp.indexOf(']');
                    if (end < 0) {
                        throw badUri(t, "unterminated IPv6 address (a '[' without ']')");
                    }
                    host = hp.substring(1, end);
                    if (hp.length() > end + 1) {
                        if (hp.charAt(end + 1) != ':') {
                            throw badUri(t, "unexpected character after an IPv6 address (expected ':' or '/')");
                        }
                        port = hp.substring(end + 2);
                    }
                } else if (hp.contains(":")) {
                    host = hp.substring(0, hp.indexOf(':'));
                    port = hp.substring(hp.indexOf(':') + 1);
                }
                if (!port.isEmpty() && !port.matches("\\d{1,5}")) {
                    // not echoed: when a password holds an unencoded '/', its start lands here
                    throw badUri(t, "a port is not a number");
                }
                hosts.add(decode(t, host));
                ports.add(port);
            }
            if (hosts.stream().anyMatch(h -> !h.isEmpty())) {
                out.put("host", String.join(",", hosts));
            }
            if (ports.stream().anyMatch(pt -> !pt.isEmpty())) {
                out.put("port", String.join(",", ports));
            }
        }
        if (path != null && !path.isEmpty()) {
            out.put("dbname", decode(t, path));
        }
        if (query != null && !query.isEmpty()) {
            for (String kv : query.split("&")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw badUri(t, "a query parameter is not name=value");
                }
                String key = decode(t, kv.substring(0, eq)).toLowerCase(Locale.ROOT);
                String value = decode(t, kv.substring(eq + 1));
                if (key.equals("ssl") && value.equals("true")) { // JDBC's spelling, translated as libpq does
                    key = "sslmode";
                    value = "require";
                }
                out.put(key, value);
            }
        }
        return out;
    }

    /** Errors show the URI only masked: a piece of it may be (part of) the password. */
    private static KopiException badUri(String uri, String problem) {
        return KopiException.invalid("connection URI '" + maskByPattern(uri) + "': " + problem);
    }

    private static String decode(String uri, String s) {
        String d;
        try {
            d = URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw badUri(uri, "bad percent-encoding (% must be followed by two hex digits)");
        }
        if (d.indexOf('\0') >= 0) {
            throw badUri(uri, "%00 is not allowed in a percent-encoded value");
        }
        return d;
    }
}
