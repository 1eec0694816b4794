package dev.kopi.daemon.storage;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The copy-on-write storage Kopi owns (Btrfs or ZFS). Kept to what the flows need: make a
 * staging volume, seal it into a read-only snapshot, clone a snapshot, destroy, list.
 * Failures are {@link dev.kopi.daemon.core.KopiException}s: RESOURCE_EXHAUSTED when the pool is
 * full, INTERNAL with the system's message otherwise.
 */
public interface StorageBackend {
    /** "btrfs" or "zfs". */
    String kind();

    /** The pool as configured: a Btrfs mount point or a ZFS dataset. */
    String location();

    /** Creates an empty writable staging volume and returns its mount point. */
    Path create(VolumeId staging);

    /**
     * Makes the staging volume a writable copy-on-write copy of {@code dataDirectory}, in one
     * native operation, if that directory is a whole volume on this pool's filesystem (a Btrfs
     * subvolume, a ZFS dataset mount point). Empty when it is not: the caller copies instead.
     */
    Optional<Path> snapshotOf(Path dataDirectory, VolumeId staging);

    /** Turns a prepared staging volume into the read-only snapshot {@code snapshot}; staging is gone after. */
    Path seal(VolumeId staging, VolumeId snapshot);

    /** Creates a writable clone of a snapshot and returns its mount point. */
    Path clone(VolumeId snapshot, VolumeId clone);

    /** Destroys a volume; a volume that does not exist is not an error. */
    void destroy(VolumeId volume);

    /** Every Kopi volume in the pool. */
    List<VolumeId> list();

    /** Where a volume is (or would be) mounted. */
    Path path(VolumeId volume);

    PoolUsage usage();

    /**
     * Why the pool cannot be used right now (not mounted, gone), for {@code /healthz}; empty when
     * it can. Cheap enough to ask on every health check.
     */
    default Optional<String> problem() {
        return Optional.empty();
    }

    /**
     * How per-volume usage is measured ("btrfs-qgroups", "btrfs-simple-quotas", "zfs"), or ""
     * when it is not.
     */
    default String accounting() {
        return "";
    }

    /** Space used by each Kopi volume, as current as the pool can tell; empty when not measured. */
    default Map<VolumeId, SpaceUsage> volumeUsage() {
        return Map.of();
    }
}
