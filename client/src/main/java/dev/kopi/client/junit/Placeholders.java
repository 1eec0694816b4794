package dev.kopi.client.junit;

import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/** {@code ${name}} and {@code ${name:default}} in {@link Kopi} attributes, from JUnit configuration parameters. */
final class Placeholders {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}:]+)(?::([^}]*))?}");

    private Placeholders() {
    }

    static String resolve(String what, String value, Function<String, Optional<String>> parameters) {
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String name = m.group(1).strip();
            String found = parameters.apply(name).filter(v -> !v.isBlank()).map(String::strip)
                    .orElse(m.group(2));
            if (found == null) {
                throw new ExtensionConfigurationException("@Kopi(" + what + " = \"" + value + "\"): " + name
                        + " is not set; pass -D" + name + "=... or set it in junit-platform.properties,"
                        + " or give a default: ${" + name + ":default}");
            }
            m.appendReplacement(b, Matcher.quoteReplacement(found));
        }
        m.appendTail(b);
        return b.toString();
    }
}
