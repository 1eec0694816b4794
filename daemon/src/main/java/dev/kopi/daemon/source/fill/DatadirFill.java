package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.DataDirectory;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.postgres.PgVersion;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.source.Progress;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.VolumeId;

/** A local data directory: one native snapshot when on the pool, else a reflinking copy. */
final class DatadirFill extends Fill {
    private static final Logger LOG = Logger.getLogger(DatadirFill.class.getName());

    Optional<Long> running;

    DatadirFill(Source source, Staging staging) {
        super(source, staging);
    }

    @Override
    public void check(Progress progress) {
        DataDirectory src = new DataDirectory(source.datadir());
        if (!src.exists()) {
            throw KopiException.precondition("source " + source.name() + ": data directory " + source.datadir()
                    + " does not exist");
        }
        version = src.version();
        if (PgVersion.major(version) < 10) {
            throw KopiException.precondition("source " + source.name() + " is PostgreSQL " + version
                    + "; Kopi needs 10 or newer");
        }
        staging.tools.binaries().dir(version); // fail before doing any work if the binaries are missing
        running = src.runningPid();
        src.requireSelfContained(running.isPresent());
        original = source.datadir();
        originalOwner = ownerName(source.datadir());
    }

    @Override
    public Path make(VolumeId volume, String id, Progress progress) throws IOException {
        if (running.isPresent()) {
            progress.report("snapshot", "source is running (pid " + running.get() + "): checkpointing it", 0, 0);
            checkpoint(new DataDirectory(source.datadir()), version, originalOwner);
        }
        Optional<Path> snap = staging.backend.snapshotOf(source.datadir(), volume);
        if (snap.isPresent()) {
            progress.report("snapshot", "snapshotted " + source.datadir() + " in one " + staging.backend.kind()
                    + " operation", 0, 0);
            return snap.get();
        }
        if (running.isPresent()) {
            throw KopiException.precondition("source " + source.name() + " is running (pid " + running.get()
                    + ") and " + source.datadir() + " is not a volume on the pool, so it cannot be copied "
                    + "consistently: stop that server, or keep its data directory on the pool's filesystem");
        }
        Path stagingPath = staging.backend.create(volume);
        new TreeCopier(staging.tools.user(), progress).copy(source.datadir(), stagingPath);
        return stagingPath;
    }

    @Override
    public String verifyMessage() {
        return running.isPresent() ? "recovering to a consistent state and shutting down cleanly"
                : super.verifyMessage();
    }

    /**
     * Asks a running on-pool source for a checkpoint first, so the snapshot has little WAL to
     * replay. Best effort: recovery makes the snapshot consistent either way.
     */
    private void checkpoint(DataDirectory src, String version, String owner) {
        List<String> pid = src.pidFile();
        if (pid.size() < 5 || pid.get(4).isBlank() || owner == null) {
            return;
        }
        try {
            OsUser ownerUser = OsUser.lookup(owner);
            ProcessRunner.Result r = staging.tools.runner().run(ownerUser.wrap(List.of(
                    staging.tools.binaries().tool(version, "psql").toString(), "-X", "-q", "-h", pid.get(4).strip(),
                    "-p", pid.get(3).strip(), "-d", "template1", "-c", "CHECKPOINT")), Duration.ofMinutes(5));
            if (!r.ok()) {
                LOG.info("checkpoint of the running source skipped: " + r.describe());
            }
        } catch (IOException | RuntimeException e) {
            LOG.info("checkpoint of the running source skipped: " + e.getMessage());
        }
    }

    private static String ownerName(Path dir) {
        try {
            return Files.getOwner(dir).getName();
        } catch (IOException e) {
            return null;
        }
    }
}
