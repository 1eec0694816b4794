package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.source.PointInTime;
import dev.kopi.daemon.source.Progress;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.sys.DirFd;
import dev.kopi.sys.SysException;

/**
 * A replica source recovered to a past moment: the newest raw base before the target, cloned
 * natively into staging, started once with a recovery signal that replays archived WAL (and
 * what the standby holds but has not archived yet) up to the target and promotes. The
 * recovery runs as the postgres service user, reading the archive through a fixed
 * restore_command; then {@code StagingRun} transforms and scrubs it like every snapshot, so
 * a point-in-time clone shows nothing masking hides.
 */
final class PointInTimeFill extends Fill {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS'+00'")
            .withZone(ZoneOffset.UTC);

    private final Standbys standbys;
    private final PointInTime target;
    private ReplicaHistory.Base base;
    private Standby standby;
    /** For a time after the standby's last commit: the standby's replay position, a point in its WAL. */
    private String replayLsn;

    PointInTimeFill(Source source, Staging staging, PointInTime target) {
        super(source, staging);
        this.standbys = staging.standbys();
        this.target = target;
        originalOwner = source.conninfo().get("user");
    }

    @Override
    public void check(Progress progress) {
        synchronized (standbys.lock(source.name())) {
            standby = standbys.of(source);
            if (!standby.seeded()) {
                throw KopiException.precondition("source " + source.name() + " has no standby yet: refresh it once "
                        + "('kopictl refresh " + source.name() + "'), then clone it at a later moment");
            }
            ReplicaHistory history = new ReplicaHistory(standby, staging);
            List<ReplicaHistory.Base> bases = history.bases();
            Optional<ReplicaHistory.Base> chosen = target.time() != null ? history.before(target.time())
                    : bases.stream().findFirst();
            if (chosen.isEmpty()) {
                throw KopiException.precondition("source " + source.name() + " keeps no data from before " + target
                        + (bases.isEmpty() ? "" : ": the oldest point-in-time clones can reach is "
                        + bases.get(0).taken()) + " (wal_keep " + source.settings().walKeep()
                        + "); pick a later moment");
            }
            base = chosen.get();
            version = standby.version();
            original = standby.dataDir();
            Standby.Status now = standby.status(Instant.now());
            if (target.time() != null && now.state().equals("streaming") && now.lastCommit() != null
                    && !target.time().isBefore(now.lastCommit())) {
                replayLsn = now.replayLsn(); // nothing committed after the target: everything replayed is the state
            }
        }
        staging.tools.binaries().dir(version);
    }

    @Override
    public Path make(VolumeId volume, String id, Progress progress) throws IOException {
        progress.report("snapshot", "cloning the raw base of " + base.taken() + " to recover to " + target, 0, 0);
        Optional<Path> p = staging.backend.snapshotOf(staging.backend.path(base.volume()), volume);
        if (p.isEmpty()) {
            throw KopiException.internal("raw base " + base.volume() + " is not a volume of the pool", null);
        }
        return p.get();
    }

    @Override
    public void prepare(Path dir) throws IOException {
        // The copy is the postgres user's: the signal file is made through the directory's
        // descriptor, never following a link the raw base might hold under that name.
        try (DirFd d = DirFd.open(dir)) {
            if (!d.createEmptyFile("recovery.signal", 0600)) {
                throw new IOException(dir + "/recovery.signal exists in a raw base; it is not kopid's to reuse");
            }
            d.chown("recovery.signal", staging.tools.user().uid(), staging.tools.user().gid());
        } catch (SysException e) {
            throw new IOException("cannot prepare the point-in-time copy: " + e.getMessage(), e);
        }
    }

    /**
     * Recovery to the target, then promotion. No connections until then (hot_standby off), so
     * the transforms run on the promoted copy only. The restore command tries the archive, then
     * the standby's own pg_wal for the segment it is still receiving.
     */
    @Override
    public Map<String, String> startSettings() {
        String archive = standby.archiveDir().toString();
        String live = standby.dataDir().resolve("pg_wal").toString();
        if (archive.contains("'") || live.contains("'")) {
            throw KopiException.precondition("the pool's path holds a ': it cannot be used in a restore_command");
        }
        Map<String, String> s = new HashMap<>();
        s.put("restore_command", "cp '" + archive + "/%f' %p 2>/dev/null || cp '" + live + "/%f' %p");
        if (replayLsn != null) {
            s.put("recovery_target_lsn", replayLsn);
        } else if (target.lsn() != null) {
            s.put("recovery_target_lsn", target.lsn());
        } else {
            s.put("recovery_target_time", TIME.format(target.time()));
            s.put("recovery_target_inclusive", "false");
        }
        s.put("recovery_target_action", "promote");
        s.put("recovery_target_timeline", "current");
        s.put("hot_standby", "off");
        return s;
    }

    @Override
    public Instant asOf() {
        return target.time() != null ? target.time() : base.taken();
    }

    @Override
    public String verifyMessage() {
        return "replaying WAL to " + target + " and promoting, then transforms, scrub and a clean shutdown";
    }
}
