package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import dev.kopi.daemon.core.Durations;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.source.Progress;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.VolumeId;

/**
 * A replica source: one native snapshot of its running standby's volume, nothing copied, taken
 * once the standby has received what the primary had written when the refresh began. The
 * copy is a crash image of a standby; started without the standby signal it replays the WAL it
 * holds (everything the standby had received, which passes the standby's minimum recovery
 * point) and comes up consistent, then {@code StagingRun} transforms and scrubs it as usual.
 * The first refresh seeds the standby; a primary that is gone leaves the standby, and so the
 * snapshot, at its last state, and the refresh says how old that is.
 */
final class ReplicaFill extends Fill {
    /** How long a refresh waits for the standby to receive what the primary had written. */
    private static final Duration CATCH_UP = Duration.ofMinutes(2);

    private final Standbys standbys;
    private Standby.Status status;

    ReplicaFill(Source source, Staging staging) {
        super(source, staging);
        this.standbys = staging.standbys();
        originalOwner = source.conninfo().get("user");
    }

    @Override
    public void check(Progress progress) {
        synchronized (standbys.lock(source.name())) {
            try {
                Standby st = standbys.ready(source, progress);
                version = st.version();
                original = st.dataDir();
            } catch (IOException e) {
                throw KopiException.internal("cannot prepare the standby of " + source.name() + ": "
                        + e.getMessage(), e);
            }
        }
        staging.tools.binaries().dir(version);
    }

    @Override
    public Path make(VolumeId volume, String id, Progress progress) throws IOException {
        synchronized (standbys.lock(source.name())) {
            Standby st = standbys.ready(source, progress);
            progress.report("catch up", "waiting for the standby to receive what the primary has written", 0, 0);
            String reached = st.awaitPrimary(CATCH_UP);
            progress.report("catch up", reached != null ? "the standby has the primary's WAL up to " + reached
                    : "the standby has not caught up with the primary (unreachable, or over "
                    + Durations.format(CATCH_UP) + " behind): snapshotting what it has", 0, 0);
            st.checkpoint(); // a restartpoint: less WAL for the copy to replay
            status = st.status(Instant.now());
            Optional<Path> snap = staging.backend.snapshotOf(st.dataDir(), volume);
            if (snap.isEmpty()) {
                throw KopiException.internal("the standby of " + source.name() + " at " + st.dataDir()
                        + " is not a volume of the pool", null);
            }
            new ReplicaHistory(st, staging).takeBase(Instant.now());
            progress.report("snapshot", "snapshotted the standby (" + status.state() + ", " + age(status)
                    + ") in one " + staging.backend.kind() + " operation", 0, 0);
            return snap.get();
        }
    }

    /** How old the snapshot's data is, in words. */
    static String age(Standby.Status s) {
        if (s.state().equals("streaming")) {
            return "data current";
        }
        if (s.dataAsOf() == null) {
            return "data as of its last replayed commit, " + Durations.format(s.lag()) + " ago";
        }
        return "data as of " + s.dataAsOf() + ", "
                + Durations.format(Duration.between(s.dataAsOf(), Instant.now())) + " old";
    }

    @Override
    public String verifyMessage() {
        return "recovering the standby's copy to a consistent state (" + (status == null ? "" : age(status))
                + "), then transforms, scrub and a clean shutdown";
    }
}
