package dev.kopi.daemon.source.fill;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.sys.DirFd;
import dev.kopi.sys.SysException;

/**
 * What a replica source keeps to go back in time: raw bases (unmasked native snapshots of the
 * running standby, {@code replicas/SOURCE/base-TAG}: internal, never listed, never cloned) and
 * the WAL archive after them. Both are pruned together to wal_keep: the newest base at or
 * before the window's start stays (every target in the window needs a base before it), older
 * ones go, and so does WAL older than the oldest base kept. While the pool has less free than
 * pool.min_free, the oldest archived segments go whatever their age.
 */
final class ReplicaHistory {
    private static final Logger LOG = Logger.getLogger(ReplicaHistory.class.getName());
    private static final DateTimeFormatter TAG = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final String PREFIX = "base-";

    private final Standby standby;
    private final Staging staging;

    ReplicaHistory(Standby standby, Staging staging) {
        this.standby = standby;
        this.staging = staging;
    }

    /** A raw base and when it was taken: its data is as of that moment or a little before. */
    record Base(VolumeId volume, Instant taken) {
    }

    /** The raw bases, oldest first. */
    List<Base> bases() {
        List<Base> out = new ArrayList<>();
        String source = standby.source().name();
        for (VolumeId v : staging.backend.list()) {
            if (v.kind() == VolumeId.Kind.REPLICA && v.name().equals(source) && v.tag().startsWith(PREFIX)) {
                try {
                    out.add(new Base(v, Instant.from(TAG.parse(v.tag().substring(PREFIX.length())))));
                } catch (RuntimeException notOurs) {
                    LOG.fine("not a raw base: " + v);
                }
            }
        }
        out.sort(Comparator.comparing(Base::taken));
        return out;
    }

    /** Takes a raw base of the running standby now, unless one was taken this second. */
    void takeBase(Instant now) {
        VolumeId v = VolumeId.replica(standby.source().name(), PREFIX + TAG.format(now));
        if (staging.backend.list().contains(v)) {
            return;
        }
        if (staging.backend.snapshotOf(standby.dataDir(), v).isEmpty()) {
            LOG.warning("cannot take a raw base of the standby of " + standby.source().name() + ": not a pool volume");
        }
    }

    /** The newest base taken strictly before {@code target}. */
    Optional<Base> before(Instant target) {
        return bases().stream().filter(b -> b.taken().isBefore(target)).reduce((a, b) -> b);
    }

    /** Prunes bases and archive to {@code keep} before {@code now}; returns the segments removed. */
    int prune(Instant now, Duration keep) {
        Instant windowStart = now.minus(keep);
        List<Base> bases = bases();
        Base anchor = null;
        for (Base b : bases) {
            if (!b.taken().isAfter(windowStart)) {
                anchor = b;
            }
        }
        for (Base b : bases) {
            if (anchor != null && b.taken().isBefore(anchor.taken())) {
                staging.destroyQuietly(b.volume());
            }
        }
        Instant oldestKept = anchor != null ? anchor.taken() : bases.isEmpty() ? windowStart : bases.get(0).taken();
        // A segment finished a little before the base may still hold the base's first records.
        Instant cutoff = oldestKept.minus(Duration.ofMinutes(5));
        return pruneArchive(cutoff.isBefore(windowStart) ? cutoff : windowStart);
    }

    /**
     * Deletes archived segments older than {@code cutoff} (or while space is short), oldest first.
     * The archive is the postgres user's: root lists and unlinks through its descriptor, so a
     * directory swapped for a link never takes a delete elsewhere, and a segment's age is read
     * from the entry itself.
     */
    private int pruneArchive(Instant cutoff) {
        Path archive = standby.archiveDir();
        if (!Files.isDirectory(archive.getParent(), LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        int removed = 0;
        try (DirFd wal = DirFd.open(archive.getParent()); DirFd dir = wal.openDir(archive.getFileName().toString())
                .orElse(null)) {
            if (dir == null) {
                return 0;
            }
            // History files stay: they are tiny and recovery needs them to follow a timeline.
            List<String> segments = new ArrayList<>(dir.list().stream().filter(n -> !n.endsWith(".history")).toList());
            segments.sort(null); // segment names sort by position
            for (String name : segments) {
                Optional<PosixFileAttributes> a = dir.attributes(name);
                if (a.isEmpty()) {
                    continue; // gone meanwhile
                }
                if (!a.get().lastModifiedTime().toInstant().isBefore(cutoff) && !staging.shortOfSpace()) {
                    break;
                }
                if (dir.unlink(name)) {
                    removed++;
                }
            }
        } catch (SysException e) {
            LOG.warning("cannot prune the WAL archive of " + standby.source().name() + ": " + e.getMessage());
        }
        return removed;
    }
}
