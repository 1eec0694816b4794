package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.Instance;
import dev.kopi.daemon.source.Progress;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.VolumeId;

/** SQL scripts run in order into a fresh cluster: the reproducible "lockfile" kind. */
final class SeedFill extends Fill {
    SeedFill(Source source, Staging staging) {
        super(source, staging);
        originalOwner = "postgres";
    }

    @Override
    public void check(Progress progress) {
        version = staging.tools.binaries().newest();
        for (Path p : source.seed()) {
            if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                throw KopiException.precondition("source " + source.name() + ": seed script " + p
                        + " does not exist or cannot be read");
            }
        }
        seedHash = seedHash(source, version);
    }

    @Override
    public Path make(VolumeId volume, String id, Progress progress) throws IOException {
        Path dir = staging.ownedVolume(volume);
        staging.initdb(dir, version, progress);
        return dir;
    }

    @Override
    public void load(Instance inst, Progress progress) {
        String db = source.settings().database() != null ? source.settings().database() : source.name();
        staging.createDatabase(inst, db, "UTF8", "C", "C", progress);
        staging.scripts.run(inst, db, source.seed(), "seed", progress);
    }

    /**
     * The seed's identity: every script's and transform's name and content, in order, the
     * database name and the PostgreSQL major version. Same hash, same snapshot.
     */
    static String seedHash(Source source, String version) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(("kopi-seed-v1\0" + version + "\0" + source.settings().database() + "\0")
                    .getBytes(StandardCharsets.UTF_8));
            for (List<Path> group : List.of(source.seed(), source.settings().transforms().stream().map(Path::of).toList())) {
                d.update(("group " + group.size() + "\0").getBytes(StandardCharsets.UTF_8));
                for (Path p : group) {
                    byte[] content = Files.readAllBytes(p);
                    d.update((p + "\0" + content.length + "\0").getBytes(StandardCharsets.UTF_8));
                    d.update(content);
                }
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (IOException e) {
            throw KopiException.precondition("source " + source.name() + ": cannot read a script: " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
