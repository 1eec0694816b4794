package dev.kopi.it;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.stream.Stream;

import dev.kopi.sys.Posix;

/**
 * A run-unique working directory, /tmp/kopi-it-ID, holding everything a test class creates
 * (images, mounts, data directories, sockets). The id also prefixes ZFS pool names. Before a
 * new one is made, directories of earlier runs whose JVM is gone are reaped ({@link Reaper}).
 */
final class RunDir {
    static final Path BASE = Path.of("/tmp");
    static final String PREFIX = "kopi-it-";
    private static final SecureRandom RANDOM = new SecureRandom();

    final String id;
    final Path path;

    private RunDir(String id, Path path) {
        this.id = id;
        this.path = path;
    }

    static RunDir create() throws IOException {
        Reaper.reapStale();
        String id = randomId();
        Path p = BASE.resolve(PREFIX + id);
        Files.createDirectory(p);
        Posix.chmod(p, 0755); // the postgres user must reach data directories below it
        Files.writeString(p.resolve("owner.pid"), Long.toString(ProcessHandle.current().pid()));
        return new RunDir(id, p);
    }

    Path resolve(String name) {
        return path.resolve(name);
    }

    /** A directory owned by the postgres user (for data directories). */
    Path postgresDir(String name) throws IOException {
        Path d = Files.createDirectories(path.resolve(name));
        Sh.ok("chown", "postgres:postgres", d.toString());
        Posix.chmod(d, 0755);
        return d;
    }

    String zpoolName() {
        return "kopiit" + id;
    }

    void delete() throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> s = Files.walk(path)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static boolean isStale(Path runDir) {
        try {
            long pid = Long.parseLong(Files.readString(runDir.resolve("owner.pid")).strip());
            return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
        } catch (IOException | NumberFormatException e) {
            return true;
        }
    }

    static DirectoryStream<Path> all() throws IOException {
        return Files.newDirectoryStream(BASE, PREFIX + "*");
    }

    private static String randomId() {
        String alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            b.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return b.toString();
    }
}
