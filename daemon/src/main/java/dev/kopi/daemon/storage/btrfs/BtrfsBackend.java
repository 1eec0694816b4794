package dev.kopi.daemon.storage.btrfs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.storage.PoolUsage;
import dev.kopi.daemon.storage.SpaceUsage;
import dev.kopi.daemon.storage.StorageBackend;
import dev.kopi.daemon.storage.StorageErrors;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.sys.Btrfs;
import dev.kopi.sys.BtrfsQuota;
import dev.kopi.sys.Errno;
import dev.kopi.sys.Posix;
import dev.kopi.sys.Statfs;
import dev.kopi.sys.SysException;

/**
 * Volumes as Btrfs subvolumes below a directory on a Btrfs filesystem; every operation is one
 * ioctl ({@link Btrfs}). Snapshots are read-only subvolumes, clones writable snapshots of them.
 */
public final class BtrfsBackend implements StorageBackend {
    private static final Logger LOG = Logger.getLogger(BtrfsBackend.class.getName());
    private final Path root;
    /** The loop-file image behind an embedded pool, or null. */
    private final Path image;

    /** A pool at {@code root}; {@code image} is the sparse file behind an embedded pool, else null. */
    public BtrfsBackend(Path root, Path image) {
        this.root = root;
        this.image = image;
        try {
            if (Statfs.of(root).type() != Btrfs.SUPER_MAGIC) {
                throw KopiException.precondition("pool " + root + " is not on a Btrfs filesystem");
            }
            for (VolumeId.Kind k : VolumeId.Kind.values()) {
                Files.createDirectories(root.resolve(k.dir));
                // Each instance (unprivileged) must traverse down to its data directory; nobody
                // but root lists what is there.
                Posix.chmod(root.resolve(k.dir), 0711);
            }
            Posix.chmod(root, 0755);
        } catch (IOException e) {
            throw StorageErrors.wrap("open the Btrfs pool at " + root, e);
        }
    }

    /** The loop-file image behind an embedded pool, or null for a pool on a real device. */
    public Path image() {
        return image;
    }

    private volatile BtrfsQuota.Mode quotas = BtrfsQuota.Mode.OFF;
    /** Subvolume ids of Kopi's volumes, learned once each (a path lookup is an open and an ioctl). */
    private final Map<VolumeId, Long> subvolumeIds = new ConcurrentHashMap<>();

    /**
     * Turns on per-volume usage. With {@code enable}, quotas are switched on for the whole
     * filesystem (simple quotas where the kernel has them: they cost a snapshot about nothing;
     * full quota groups otherwise); without, usage is read only if the filesystem has quotas on
     * already, since enabling them on a filesystem kopid does not own slows everyone on it.
     */
    public BtrfsBackend useQuotas(boolean enable) {
        try {
            quotas = enable ? BtrfsQuota.enable(root) : BtrfsQuota.mode(root);
        } catch (SysException e) {
            LOG.warning("per-volume usage is off: cannot " + (enable ? "enable" : "read") + " Btrfs quotas on " + root
                    + ": " + e.getMessage());
            quotas = BtrfsQuota.Mode.OFF;
        }
        return this;
    }

    @Override
    public String accounting() {
        return switch (quotas) {
            case SIMPLE -> "btrfs-simple-quotas";
            case FULL -> "btrfs-qgroups";
            default -> "";
        };
    }

    /**
     * Each volume's quota group. Under simple quotas a snapshot is charged only what was written
     * to it after it was taken, nothing for the data it shares: its referenced figure means
     * nothing, so snapshots are left out there (their database size is in the catalog); a
     * clone's exclusive figure is what it wrote, in both modes.
     */
    @Override
    public Map<VolumeId, SpaceUsage> volumeUsage() {
        if (quotas == BtrfsQuota.Mode.OFF) {
            return Map.of();
        }
        try {
            BtrfsQuota.sync(root); // figures are updated when a transaction commits
            Map<Long, BtrfsQuota.Usage> byId = BtrfsQuota.usage(root);
            Map<VolumeId, SpaceUsage> out = new HashMap<>();
            for (VolumeId v : list()) {
                if (quotas == BtrfsQuota.Mode.SIMPLE && v.kind() == VolumeId.Kind.SNAPSHOT) {
                    continue;
                }
                Long id = subvolumeIds.computeIfAbsent(v, k -> {
                    try {
                        return BtrfsQuota.subvolumeId(path(k));
                    } catch (SysException e) {
                        return null; // gone meanwhile
                    }
                });
                BtrfsQuota.Usage u = id == null ? null : byId.get(id);
                if (u != null) {
                    out.put(v, new SpaceUsage(u.referenced(), u.exclusive()));
                }
            }
            return out;
        } catch (SysException e) {
            LOG.warning("cannot read Btrfs quota groups on " + root + ": " + e.getMessage());
            return Map.of();
        }
    }

    @Override
    public String kind() {
        return "btrfs";
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public Path create(VolumeId staging) {
        Path p = path(staging);
        try {
            if (staging.tag() != null) {
                Files.createDirectories(p.getParent());
                Posix.chmod(p.getParent(), 0711);
            }
            Btrfs.createSubvolume(p);
            return p;
        } catch (IOException e) {
            throw StorageErrors.wrap("create volume " + staging, e);
        }
    }

    @Override
    public Optional<Path> snapshotOf(Path dataDirectory, VolumeId staging) {
        Path p = path(staging);
        try {
            if (!Btrfs.isSubvolume(dataDirectory)) {
                return Optional.empty();
            }
            if (staging.tag() != null) {
                Files.createDirectories(p.getParent());
                Posix.chmod(p.getParent(), 0711);
            }
            Btrfs.snapshot(dataDirectory, p, false);
            return Optional.of(p);
        } catch (SysException e) {
            if (e.errno() == Errno.EXDEV) {
                return Optional.empty(); // a subvolume of another Btrfs filesystem
            }
            throw StorageErrors.wrap("snapshot " + dataDirectory, e);
        } catch (IOException e) {
            throw StorageErrors.wrap("snapshot " + dataDirectory, e);
        }
    }

    @Override
    public Path seal(VolumeId staging, VolumeId snapshot) {
        Path target = path(snapshot);
        try {
            Files.createDirectories(target.getParent());
            Posix.chmod(target.getParent(), 0711);
            // A read-only snapshot of the staging subvolume rather than a flag flip: the snapshot
            // commits the transaction, so the published data is on disk before the catalog says so.
            Btrfs.snapshot(path(staging), target, true);
        } catch (IOException e) {
            throw StorageErrors.wrap("seal snapshot " + snapshot, e);
        }
        destroy(staging);
        return target;
    }

    @Override
    public Path clone(VolumeId snapshot, VolumeId clone) {
        subvolumeIds.remove(clone);
        Path p = path(clone);
        try {
            Btrfs.snapshot(path(snapshot), p, false);
            return p;
        } catch (IOException e) {
            throw StorageErrors.wrap("clone " + snapshot + " to " + clone, e);
        }
    }

    @Override
    public void destroy(VolumeId volume) {
        subvolumeIds.remove(volume); // a volume made again under the same name is a new subvolume
        Path p = path(volume);
        try {
            Btrfs.deleteSubvolume(p);
        } catch (SysException e) {
            if (e.errno() == Errno.ENOENT) {
                return;
            }
            if (e.errno() != Errno.ENOTEMPTY) {
                throw StorageErrors.wrap("destroy volume " + volume, e);
            }
            // Someone made subvolumes inside it (any user can): remove the whole tree by subvolume
            // id, deepest first, never walking paths its owner could swap for links.
            try {
                Btrfs.deleteTreeById(root, BtrfsQuota.subvolumeId(p));
            } catch (IOException again) {
                throw StorageErrors.wrap("destroy volume " + volume, again);
            }
        }
        if (volume.tag() != null) {
            try {
                Files.deleteIfExists(p.getParent()); // the source's directory, once empty
            } catch (IOException notEmpty) {
                // other snapshots of the source remain
            }
        }
    }

    @Override
    public List<VolumeId> list() {
        List<VolumeId> out = new ArrayList<>();
        try {
            for (Path p : children(root.resolve(VolumeId.Kind.STAGING.dir))) {
                add(out, p, "staging/" + p.getFileName());
            }
            for (Path p : children(root.resolve(VolumeId.Kind.CLONE.dir))) {
                add(out, p, "clones/" + p.getFileName());
            }
            for (VolumeId.Kind k : List.of(VolumeId.Kind.SNAPSHOT, VolumeId.Kind.REPLICA)) {
                for (Path source : children(root.resolve(k.dir))) {
                    for (Path p : children(source)) {
                        add(out, p, k.dir + "/" + source.getFileName() + "/" + p.getFileName());
                    }
                }
            }
        } catch (IOException e) {
            throw StorageErrors.wrap("list volumes in " + root, e);
        }
        return out;
    }

    private static void add(List<VolumeId> out, Path p, String relative) throws IOException {
        try {
            if (Btrfs.isSubvolume(p)) {
                VolumeId.parse(relative).ifPresent(out::add);
            }
        } catch (SysException e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
            // destroyed between the directory listing and this look (the reaper runs alongside)
        }
    }

    private static List<Path> children(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(out::add);
        } catch (NoSuchFileException e) {
            return out;
        }
        return out;
    }

    @Override
    public Path path(VolumeId volume) {
        return root.resolve(volume.relative());
    }

    /**
     * The pool's directory must still be on Btrfs and hold Kopi's directories: once the pool is
     * unmounted, the mount point is an empty directory of the filesystem below it.
     */
    @Override
    public Optional<String> problem() {
        try {
            if (Statfs.of(root).type() != Btrfs.SUPER_MAGIC) {
                return Optional.of("pool " + root + " is not mounted (no Btrfs filesystem there)");
            }
        } catch (SysException e) {
            return Optional.of("pool " + root + " cannot be read: " + e.getMessage());
        }
        for (VolumeId.Kind k : VolumeId.Kind.values()) {
            if (!Files.isDirectory(root.resolve(k.dir))) {
                return Optional.of("pool " + root + " is not mounted (" + k.dir + "/ is missing)");
            }
        }
        return Optional.empty();
    }

    @Override
    public PoolUsage usage() {
        try {
            Statfs st = Statfs.of(root);
            long free = st.freeBytes();
            if (image != null) {
                // A sparse image grows into the filesystem that holds it: when that one fills up,
                // Btrfs inside sees I/O errors, not ENOSPC. Count its free space too.
                free = Math.min(free, Statfs.of(image.toAbsolutePath().getParent()).freeBytes());
            }
            return new PoolUsage(st.sizeBytes(), st.usedBytes(), free);
        } catch (IOException e) {
            throw StorageErrors.wrap("read pool usage", e);
        }
    }
}
