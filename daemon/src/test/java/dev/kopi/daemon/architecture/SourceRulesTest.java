package dev.kopi.daemon.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** Rules about kopid's main sources that compiled classes cannot show. */
class SourceRulesTest {
    private static final Path MAIN = Path.of("src/main/java");
    /** "~400 lines" from issue 9, with a little room for a Javadoc paragraph. */
    private static final int MAX_LINES = 420;
    /** A qualified class name in code: package segments, then a capitalised name. */
    private static final Pattern QUALIFIED = Pattern.compile(
            "\\b(?:java|javax|com|org|io|dev|picocli)\\.(?:[a-z0-9_]+\\.)+[A-Z]\\w*");
    /**
     * Where an import cannot work: the protocol's Source and SourceSettings share their simple
     * names with the daemon's own.
     */
    private static final List<String> CLASHES = List.of("dev.kopi.daemon.source.Source",
            "dev.kopi.daemon.catalog.SourceSettings");

    private static List<Path> sources() throws IOException {
        try (Stream<Path> s = Files.walk(MAIN)) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    @Test
    void noMainSourceFileIsLongerThanFourHundredOddLines() throws IOException {
        List<String> long_ = new ArrayList<>();
        for (Path p : sources()) {
            long n = Files.readAllLines(p).size();
            if (n > MAX_LINES) {
                long_.add(MAIN.relativize(p) + " (" + n + " lines)");
            }
        }
        assertEquals(List.of(), long_, "split these by noun");
    }

    @Test
    void codeUsesImportsNotQualifiedNames() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path p : sources()) {
            List<String> lines = Files.readAllLines(p);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.startsWith("import ") || line.startsWith("package ") || line.startsWith("*")
                        || line.startsWith("/*") || line.startsWith("//")) {
                    continue;
                }
                String code = line.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"").replaceAll("//.*", "");
                Matcher m = QUALIFIED.matcher(code);
                while (m.find()) {
                    if (!CLASHES.contains(m.group()) && !m.group().startsWith("dev.kopi.proto.v1.")) {
                        found.add(MAIN.relativize(p) + ":" + (i + 1) + " " + m.group());
                    }
                }
            }
        }
        assertEquals(List.of(), found, "import these");
    }
}
