package dev.kopi.daemon.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kopi.daemon.core.Durations;
import dev.kopi.daemon.core.KopiException;

/** A mapping in the file, with the dotted prefix its keys are reported under. */
final class ConfigSection {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT]?)(i?B)?", Pattern.CASE_INSENSITIVE);

    final JsonNode node;
    final String prefix;
    private final String origin;

    /** @param origin the file (or "defaults") that errors name */
    ConfigSection(JsonNode node, String prefix, String origin) {
        this.node = node;
        this.prefix = prefix;
        this.origin = origin;
    }

    ConfigSection child(String key) {
        return new ConfigSection(node.path(key), prefix + key + ".", origin);
    }

    void keys(Set<String> allowed) {
        if (node.isMissingNode() || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw bad(prefix.isEmpty() ? "(top level)" : prefix.substring(0, prefix.length() - 1), "must be a mapping");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw bad(prefix + k, "is not a known key (known: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }

    boolean has(String key) {
        JsonNode v = node.path(key);
        return !v.isMissingNode() && !v.isNull();
    }

    /** A sequence of single values, or one value standing for a list of one. */
    List<String> list(String key) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return List.of();
        }
        if (v.isValueNode()) {
            return List.of(v.asText().trim());
        }
        if (!v.isArray()) {
            throw bad(prefix + key, "must be a list of values");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : v) {
            if (!item.isValueNode() || item.isNull()) {
                throw bad(prefix + key, "must be a list of single values");
            }
            out.add(item.asText().trim());
        }
        return List.copyOf(out);
    }

    String text(String key, String dflt) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        if (!v.isValueNode()) {
            throw bad(prefix + key, "must be a single value");
        }
        return v.asText().trim();
    }

    boolean bool(String key, boolean dflt) {
        String v = text(key, null);
        if (v == null) {
            return dflt;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw bad(prefix + key, "'" + v + "' is not true or false");
        };
    }

    Path path(String key, Path dflt) {
        String v = text(key, null);
        if (v == null) {
            return dflt;
        }
        if (!v.startsWith("/")) {
            throw bad(prefix + key, "must be an absolute path, got '" + v + "'");
        }
        return pathOf(prefix + key, v);
    }

    long count(String key, long dflt) {
        String v = text(key, Long.toString(dflt));
        if (!v.matches("\\d{1,9}")) {
            throw bad(prefix + key, "'" + v + "' is not a whole number");
        }
        return Long.parseLong(v);
    }

    long size(String key, String dflt) {
        String v = text(key, dflt);
        Matcher m = SIZE.matcher(v);
        if (!m.matches()) {
            throw bad(prefix + key, "'" + v + "' is not a size (use e.g. 512M, 20G)");
        }
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        try {
            long base = Long.parseLong(m.group(1));
            if (base > Long.MAX_VALUE >> shift) {
                throw new ArithmeticException("overflow");
            }
            return base << shift;
        } catch (NumberFormatException | ArithmeticException e) {
            throw bad(prefix + key, "'" + v + "' is too large");
        }
    }

    Duration duration(String key, String dflt) {
        String v = text(key, dflt);
        try {
            return Durations.parse(v);
        } catch (IllegalArgumentException e) {
            throw bad(prefix + key, e.getMessage());
        }
    }

    /**
     * A path from the file. Under a non-UTF-8 locale (a bare cron or CI environment) the JVM
     * cannot encode non-ASCII file names: say so instead of failing with a stack trace.
     */
    private Path pathOf(String key, String v) {
        try {
            return Path.of(v).normalize();
        } catch (InvalidPathException e) {
            throw bad(key, "'" + v + "' cannot be used as a path here (" + e.getReason()
                    + "; run kopid with a UTF-8 locale, e.g. LANG=C.UTF-8, for non-ASCII paths)");
        }
    }

    KopiException bad(String key, String problem) {
        return bad(origin, key, problem);
    }

    /** INVALID_ARGUMENT naming the file and the key, as every config error does. */
    static KopiException bad(String origin, String key, String problem) {
        return KopiException.invalid("config " + origin + ": " + key + ": " + problem);
    }
}
