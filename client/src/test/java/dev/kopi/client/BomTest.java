package dev.kopi.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** kopi-bom lists every published library at the build's own version (it has no parent to take it from). */
class BomTest {
    private static final Pattern ENTRY = Pattern.compile(
            "<artifactId>(kopi-[a-z-]+)</artifactId>\\s*<version>([^<]+)</version>");

    @Test
    void theBomNamesTheLibrariesAtTheBuildsVersion() throws Exception {
        String bom = Files.readString(Path.of("../bom/pom.xml")).replaceAll("(?s)<!--.*?-->", "");
        String parent = Files.readString(Path.of("../pom.xml"));
        Matcher v = Pattern.compile("<artifactId>kopi-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(parent);
        assertTrue(v.find());
        String version = v.group(1);

        List<String> managed = new ArrayList<>();
        Matcher m = ENTRY.matcher(bom);
        while (m.find()) {
            managed.add(m.group(1));
            assertEquals(version, m.group(2), m.group(1) + " in kopi-bom");
        }
        assertEquals(List.of("kopi-bom", "kopi-client", "kopi-spring-boot", "kopi-proto"), managed);
        for (String module : List.of("client", "spring-boot", "proto")) {
            assertTrue(Files.readString(Path.of("..", module, "pom.xml")).contains("<artifactId>kopi-" + module
                    + "</artifactId>"), module + " is the module of kopi-" + module);
        }
    }
}
