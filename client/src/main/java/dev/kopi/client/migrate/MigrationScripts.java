package dev.kopi.client.migrate;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import dev.kopi.client.PreparedSnapshot;

/**
 * The migration scripts at some locations, read to make the key of a prepared snapshot: the same
 * scripts give the same key in any JVM, a changed, added or removed script another. Locations are
 * Flyway's: {@code classpath:db/migration} (directories and jars on the class path, all of them)
 * or {@code filesystem:/path}; a location without a prefix is on the class path.
 */
public final class MigrationScripts {
    /** One script: where it is below its location, and its bytes. */
    public record Script(String name, byte[] content) {
    }

    private MigrationScripts() {
    }

    /** The scripts at {@code locations}, sorted by location then name; none is an error (a typo, most likely). */
    public static List<Script> read(List<String> locations, ClassLoader loader) {
        List<Script> all = new ArrayList<>();
        for (String location : locations) {
            List<Script> found = new ArrayList<>();
            try {
                if (location.startsWith("filesystem:")) {
                    walk(Path.of(location.substring("filesystem:".length())), location, found);
                } else {
                    String path = strip(location.startsWith("classpath:") ? location.substring("classpath:".length())
                            : location);
                    Enumeration<URL> urls = loader.getResources(path);
                    while (urls.hasMoreElements()) {
                        // One spelling of the location in names: "db/migration/" is classpath:db/migration.
                        read(urls.nextElement(), path, "classpath:" + path, found);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the migrations at " + location + ": " + e.getMessage(), e);
            }
            if (found.isEmpty()) {
                throw new IllegalArgumentException("no migration scripts at " + location);
            }
            found.sort(Comparator.comparing(Script::name));
            all.addAll(found);
        }
        return Collections.unmodifiableList(all);
    }

    /** The key for {@code tool} (which tool applies them is part of what they mean) running {@code scripts}. */
    public static String key(String tool, List<Script> scripts) {
        List<byte[]> parts = new ArrayList<>();
        parts.add(tool.getBytes(StandardCharsets.UTF_8));
        for (Script s : scripts) {
            parts.add(s.name().getBytes(StandardCharsets.UTF_8));
            parts.add(s.content());
        }
        return PreparedSnapshot.keyOf(parts);
    }

    private static void read(URL url, String path, String location, List<Script> out) throws IOException {
        switch (url.getProtocol()) {
            case "file" -> {
                try {
                    walk(Path.of(url.toURI()), location, out);
                } catch (URISyntaxException e) {
                    throw new IOException("bad location " + url, e);
                }
            }
            case "jar" -> {
                JarURLConnection connection = (JarURLConnection) url.openConnection();
                connection.setUseCaches(false); // a cached JarFile would be closed under other readers
                try (JarFile jar = connection.getJarFile()) {
                    String prefix = path + "/";
                    for (JarEntry e : Collections.list(jar.entries())) {
                        if (!e.isDirectory() && e.getName().startsWith(prefix)) {
                            try (InputStream in = jar.getInputStream(e)) {
                                out.add(new Script(location + ":" + e.getName().substring(prefix.length()),
                                        in.readAllBytes()));
                            }
                        }
                    }
                }
            }
            default -> throw new IOException("cannot list " + url + " (" + url.getProtocol() + " is neither a "
                    + "directory nor a jar)");
        }
    }

    private static void walk(Path dir, String location, List<Script> out) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                // '/' whatever the platform: the key must not depend on where the JVM runs.
                String name = dir.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/");
                out.add(new Script(location + ":" + name, Files.readAllBytes(f)));
            }
        }
    }

    private static String strip(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }
}
