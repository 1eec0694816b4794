package dev.kopi.client.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/** ${name} and ${name:default} in @Kopi attributes. */
class PlaceholdersTest {
    private static final Map<String, String> PARAMS = Map.of("snap", "prod", "blank", " ");

    private static String resolve(String value) {
        return Placeholders.resolve("snapshot", value, k -> Optional.ofNullable(PARAMS.get(k)));
    }

    @Test
    void resolves() {
        assertEquals("demo", resolve("demo"));
        assertEquals("prod", resolve("${snap}"));
        assertEquals("prod@2026", resolve("${snap}@2026"));
        assertEquals("prod", resolve("${snap:demo}"));
        assertEquals("demo", resolve("${unset:demo}"));
        assertEquals("demo", resolve("${blank:demo}"));
        assertEquals("", resolve("${unset:}"));
        assertEquals("$5", resolve("${unset:$5}"));
    }

    @Test
    void unsetWithoutDefaultIsAnError() {
        assertThrows(ExtensionConfigurationException.class, () -> resolve("${unset}"));
    }
}
