package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.ControlData;
import dev.kopi.daemon.postgres.DataDirectory;
import dev.kopi.daemon.postgres.InstanceSpec;
import dev.kopi.daemon.postgres.PgTools;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.source.Progress;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.sys.DirFd;
import dev.kopi.sys.SysException;

/**
 * The standby of one replica source: a hot standby on its own pool volume, streaming from the
 * primary, archiving every WAL segment it receives into a second volume. Both volumes are the
 * postgres service user's (0700) below root's {@code replicas/} (0711), and the standby listens
 * on kopid's private Unix socket only: no clone holder reaches the unmasked data, the WAL or the
 * primary's password (a libpq passfile in the archive volume, so it is on no argv and in no
 * data directory that a snapshot copies).
 *
 * <p>A standby counts as seeded once {@code standby.signal} is in its data directory: written
 * last, so a kopid killed midway through pg_basebackup leaves a volume that the next seed
 * replaces. Callers serialise through {@link Standbys}.
 */
public final class Standby {
    private static final Logger LOG = Logger.getLogger(Standby.class.getName());
    /** The standby's data directory volume. */
    static final String DATA = "standby";
    /** The WAL archive volume (and the passfile). */
    static final String WAL = "wal";
    private static final String STATUS = "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'stopped'), "
            + "coalesce(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), false), "
            + "extract(epoch FROM now() - pg_last_xact_replay_timestamp()), "
            + "pg_last_xact_replay_timestamp(), pg_last_wal_replay_lsn()::text";

    private final Source source;
    private final Staging staging;
    private volatile String superuser;
    /** When the standby was last seen streaming with everything received replayed. */
    private volatile Instant caughtUp;

    /** @param previous the same source's standby as known before its definition was read again; null if none */
    Standby(Source source, Staging staging, Standby previous) {
        this.source = source;
        this.staging = staging;
        if (previous != null) {
            this.caughtUp = previous.caughtUp;
            this.superuser = previous.superuser;
        }
    }

    Source source() {
        return source;
    }

    /**
     * What the standby is doing now.
     *
     * @param state     "not seeded", "stopped", "streaming", "catching up" or "disconnected" (the
     *                  primary is unreachable: the data stays as it was)
     * @param lag       how far replay is behind the primary's newest commit received; zero when caught up
     * @param dataAsOf  the newest moment the data is known to be current as of; null when unknown
     * @param replayLsn  the last WAL position replayed
     * @param lastCommit when the last commit replayed was made on the primary; null when unknown
     */
    public record Status(String state, Duration lag, Instant dataAsOf, String replayLsn, Instant lastCommit) {
        static final Status NOT_SEEDED = new Status("not seeded", Duration.ZERO, null, "", null);
    }

    VolumeId dataVolume() {
        return VolumeId.replica(source.name(), DATA);
    }

    VolumeId walVolume() {
        return VolumeId.replica(source.name(), WAL);
    }

    Path dataDir() {
        return staging.backend.path(dataVolume());
    }

    /** Where the archived WAL segments are. */
    Path archiveDir() {
        return staging.backend.path(walVolume()).resolve("archive");
    }

    private Path passFile() {
        return staging.backend.path(walVolume()).resolve("primary.pass");
    }

    boolean seeded() {
        return Files.isRegularFile(dataDir().resolve("standby.signal"), LinkOption.NOFOLLOW_LINKS);
    }

    String version() {
        return new DataDirectory(dataDir()).version();
    }

    /** The standby's instance; its superuser once known (kopid's own connections use it). */
    InstanceSpec spec() {
        return InstanceSpec.standby(source.name(), dataDir(), version(), superuser, settings());
    }

    boolean running() {
        return staging.instances.pid(dataDir()).isPresent();
    }

    /**
     * Copies the primary into a fresh standby volume with pg_basebackup (creating the slot first
     * when one is configured and missing), then starts it. Whatever was there before is replaced.
     */
    void seed(Progress progress) throws IOException {
        SourceServer server = new SourceServer(source, staging.tools);
        progress.report("connect", "connecting to " + server.describe(), 0, 0);
        SourceServer.Facts facts = server.probe(staging.tools.binaries().newest());
        String version = facts.major();
        staging.tools.binaries().dir(version);
        staging.requireSpace(facts.clusterBytes(), "the standby of " + server.describe());
        if (source.settings().slot() != null) {
            new ReplicationSlot(source, staging.tools).create(server, version);
        }
        staging.destroyQuietly(dataVolume());
        Path dir = staging.ownedVolume(dataVolume());
        prepareArchive(server.password());
        List<String> args = new ArrayList<>(List.of("--pgdata=" + dir, "--wal-method=stream", "--checkpoint=fast",
                "--label=kopi standby " + source.name()));
        if (source.settings().slot() != null) {
            args.add("--slot=" + source.settings().slot());
        }
        if (source.settings().maxRate() != null) {
            args.add("--max-rate=" + source.settings().maxRate());
        }
        args.addAll(server.connectArgs());
        try (DirectoryMeter m = new DirectoryMeter(dir, 0, facts.clusterBytes(), progress, "seed",
                "seeding the standby with pg_basebackup from " + server.describe())) {
            staging.tools.require("pg_basebackup from " + server.describe(), version, "pg_basebackup", args,
                    server.env(), PgTools.LONG);
        }
        // The primary's own settings must not follow it here: its archive, its replication, its logging.
        // The data directory is the postgres user's (pg_basebackup wrote it as that user): entries
        // are made through its descriptor, never following a link a copy might hold.
        try (DirFd d = DirFd.open(dir)) {
            d.unlink("postgresql.auto.conf");
            for (String f : List.of("postgresql.auto.conf", "standby.signal")) {
                if (!d.createEmptyFile(f, 0600)) {
                    throw new IOException(dir + "/" + f + " exists after pg_basebackup; it is not kopid's to reuse");
                }
                d.chown(f, staging.tools.user().uid(), staging.tools.user().gid());
            }
        } catch (SysException e) {
            throw new IOException("cannot prepare the standby of " + source.name() + ": " + e.getMessage(), e);
        }
        start();
    }

    /** The archive volume (made if missing): the archive directory and the passfile, the postgres user's alone. */
    private void prepareArchive(String password) throws IOException {
        Path root = staging.backend.list().contains(walVolume()) ? staging.backend.path(walVolume())
                : staging.ownedVolume(walVolume());
        int uid = staging.tools.user().uid();
        int gid = staging.tools.user().gid();
        // An earlier seed gave this volume to the postgres user, who could have put links in it.
        // Root takes it back while it sets the entries up, so none can be swapped under its hands,
        // works through the directory's descriptor without following links, and hands it back.
        try (DirFd r = DirFd.open(root)) {
            r.chownSelf(0, 0);
            r.chmodSelf(0700);
            Optional<DirFd> existing = r.openDir("archive");
            if (existing.isEmpty()) {
                r.unlink("archive"); // a file or a link in its place, if anything
                r.mkdir("archive", 0700);
            }
            try (DirFd archive = existing.isPresent() ? existing.get() : r.openDir("archive").orElseThrow()) {
                archive.chownSelf(uid, gid);
                archive.chmodSelf(0700);
            }
            r.unlink("primary.pass");
            r.createEmptyFile("primary.pass", 0600);
            // Written by name: the directory is root's alone now, so the name is the file just made.
            Files.writeString(passFile(), password == null ? "" : "*:*:*:*:"
                    + password.replace("\\", "\\\\").replace(":", "\\:") + "\n", StandardCharsets.UTF_8);
            r.chown("primary.pass", uid, gid);
            r.chownSelf(uid, gid);
            r.chmodSelf(0700);
        } catch (SysException e) {
            throw new IOException("cannot prepare the WAL archive of " + source.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The standby's server settings, all on its command line (no password among them): the
     * primary, the slot, and archive_mode=always, which archives every segment it receives.
     * The archive command copies to a temporary name and renames, so a segment is whole or
     * absent; a segment archived before (after a restart) counts as done when identical.
     */
    private Map<String, String> settings() {
        String archive = archiveDir().toString();
        if (archive.contains("'") || archive.contains("%")) {
            throw KopiException.precondition("the pool's path " + archive + " holds a ' or %: it cannot be used in "
                    + "the standby's archive_command");
        }
        String to = "'" + archive + "/%f'";
        Map<String, String> s = new HashMap<>();
        s.put("primary_conninfo", source.conninfo().withoutPassword() + " passfile='" + passFile() + "'"
                + " application_name=kopi_" + source.name().replaceAll("[^A-Za-z0-9_]", "_"));
        if (source.settings().slot() != null) {
            s.put("primary_slot_name", source.settings().slot());
        }
        s.put("hot_standby", "on");
        s.put("hot_standby_feedback", "off");
        s.put("archive_mode", "always");
        s.put("archive_command", "cmp -s %p " + to + " || { cp %p '" + archive + "/%f.tmp' && mv -f '" + archive
                + "/%f.tmp' " + to + "; }");
        s.put("wal_receiver_status_interval", "1s");
        return s;
    }

    /** Starts the seeded standby; returns once it accepts (read-only) connections. */
    void start() {
        // At least the primary's limits, or the standby refuses to start (a primary configured
        // in /etc, say, with more connections than the defaults its backup brings).
        Map<String, String> settings = new HashMap<>(new ControlData(staging.tools).standbyMinimums(dataDir(),
                version()));
        settings.putAll(settings());
        InstanceSpec spec = InstanceSpec.standby(source.name(), dataDir(), version(), superuser, settings);
        staging.instances.start(spec);
        learnSuperuser(spec);
    }

    /** Takes on a standby that kept running while kopid was down; false if it does not run. */
    boolean adopt() {
        InstanceSpec spec = spec();
        if (staging.instances.adopt(spec).isEmpty()) {
            return false;
        }
        learnSuperuser(spec);
        return true;
    }

    private void learnSuperuser(InstanceSpec spec) {
        if (superuser == null) {
            List<String> candidates = new ArrayList<>();
            if (source.superuser() != null) {
                candidates.add(source.superuser());
            }
            if (source.conninfo().get("user") != null) {
                candidates.add(source.conninfo().get("user"));
            }
            candidates.add("postgres");
            superuser = staging.instances.superuser(spec, new LinkedHashSet<>(candidates));
        }
    }

    /** The standby's state, asked of it; "stopped" when it does not run. */
    Status status(Instant now) {
        if (!seeded()) {
            return Status.NOT_SEEDED;
        }
        if (!running() || superuser == null) {
            return new Status("stopped", Duration.ZERO, caughtUp, "", null);
        }
        try {
            return staging.instances.admin(spec(), "postgres", 5, c -> {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(STATUS)) {
                    rs.next();
                    String receiver = rs.getString(1);
                    boolean replayedAll = rs.getBoolean(2);
                    double sinceCommit = rs.getDouble(3);
                    boolean streaming = receiver.equals("streaming");
                    if (streaming && replayedAll) {
                        caughtUp = now;
                    }
                    Duration lag = streaming && replayedAll ? Duration.ZERO
                            : Duration.ofMillis((long) (Math.max(0, sinceCommit) * 1000));
                    String state = !streaming ? "disconnected" : replayedAll ? "streaming" : "catching up";
                    Timestamp commit = rs.getTimestamp(4);
                    return new Status(state, lag, caughtUp, rs.getString(5), commit == null ? null : commit.toInstant());
                }
            });
        } catch (SQLException e) {
            return new Status("stopped", Duration.ZERO, caughtUp, "", null);
        }
    }

    /**
     * Whether the standby can no longer follow the primary: its slot is gone, or the primary
     * removed WAL it still needs (it fell behind). Read from the standby's log, where the wal
     * receiver says why each attempt failed.
     */
    boolean lost() {
        try {
            Path log = staging.instances.logFile(spec());
            long size = Files.size(log);
            byte[] tail;
            try (var in = Files.newInputStream(log)) {
                in.skip(Math.max(0, size - 8192));
                tail = in.readAllBytes();
            }
            String text = new String(tail, StandardCharsets.UTF_8);
            int restarted = text.lastIndexOf("started streaming WAL");
            int lostAt = Math.max(text.lastIndexOf("has already been removed"),
                    text.lastIndexOf("replication slot \"" + source.settings().slot() + "\" does not exist"));
            return lostAt > restarted;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Waits, at most {@code max}, until the standby has received all the WAL the primary had
     * flushed when asked, so that a refresh holds every commit made before it began (streaming is
     * asynchronous: a commit a moment old may not have arrived yet). A primary that cannot be
     * reached, or a standby that does not catch up in time, leaves the standby as it is: the
     * refresh goes on and says how old its data is. Returns the primary's position, or null
     * when the standby did not reach it.
     */
    String awaitPrimary(Duration max) {
        if (superuser == null || !running()) {
            return null;
        }
        String lsn;
        try {
            lsn = new SourceServer(source, staging.tools).flushLsn(staging.tools.binaries().newest());
        } catch (KopiException e) { // its password cannot be read now: snapshot what the standby has
            return null;
        }
        if (lsn == null) {
            return null;
        }
        long deadline = System.nanoTime() + max.toNanos();
        try {
            return staging.instances.admin(spec(), "postgres", 5, c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT coalesce(pg_last_wal_receive_lsn() >= ?::pg_lsn, false)")) {
                    ps.setString(1, lsn);
                    while (true) {
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next() && rs.getBoolean(1)) {
                                return lsn;
                            }
                        }
                        if (System.nanoTime() > deadline) {
                            return null;
                        }
                        pause(20);
                    }
                }
            });
        } catch (SQLException e) {
            return null;
        }
    }

    /** Asks the standby for a restartpoint, so a snapshot of it has little WAL to replay. */
    void checkpoint() {
        if (superuser != null) {
            staging.instances.checkpoint(spec());
        }
    }

    /**
     * Stops the standby, drops its slot on the primary, and destroys its volumes. With a slot and
     * without {@code leaveSlot}, a primary that cannot be reached refuses the removal before
     * anything changed: a slot left behind keeps WAL on the primary until its disk fills, and
     * once the source is gone kopid no longer knows where it is. With {@code leaveSlot} the drop is
     * still tried, and a failure is logged with the statement to run on the primary.
     */
    void remove(boolean leaveSlot) {
        ReplicationSlot slot = source.settings().slot() == null ? null : new ReplicationSlot(source, staging.tools);
        if (slot != null && !leaveSlot) {
            slot.requireDroppable();
        }
        if (seeded() || running()) {
            staging.instances.remove(spec());
        }
        if (slot != null) {
            slot.drop();
        }
        for (VolumeId v : staging.backend.list()) {
            if (v.kind() == VolumeId.Kind.REPLICA && v.name().equals(source.name()) && v.tag().startsWith("base-")) {
                staging.destroyQuietly(v);
            }
        }
        staging.destroyQuietly(dataVolume());
        staging.destroyQuietly(walVolume());
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
