package dev.kopi.daemon.storage.zfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.storage.PoolUsage;
import dev.kopi.daemon.storage.SpaceUsage;
import dev.kopi.daemon.storage.StorageBackend;
import dev.kopi.daemon.storage.StorageErrors;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.sys.Posix;

/**
 * Volumes as ZFS filesystems below a root dataset, driven through the {@code zfs} command with an
 * argv list (so it works with OpenZFS and zfs-fuse alike). A snapshot volume is a read-only
 * filesystem carrying one ZFS snapshot, {@code @kopi}; clones are {@code zfs clone}s of it, so a
 * snapshot volume cannot be destroyed before its clones (ZFS enforces the order too).
 */
public final class ZfsBackend implements StorageBackend {
    private static final Logger LOG = Logger.getLogger(ZfsBackend.class.getName());
    /** The ZFS snapshot that clones of a snapshot volume are made from. */
    static final String SEAL = "kopi";
    /** Prefix of the ZFS snapshots Kopi takes of on-pool source datasets. */
    static final String ORIGIN_PREFIX = "kopi-";
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private final String root;
    private final ProcessRunner runner;
    /**
     * One zfs command at a time. zfs-fuse (old ZFS code) has died in CI under a burst of
     * concurrent destroys and dependents listings (four clones destroyed in the background at
     * once), taking every volume with it; in-kernel OpenZFS orders these commands on its
     * namespace lock anyway, so little is lost. Fair, so no caller starves behind a busy one.
     */
    private final ReentrantLock commands = new ReentrantLock(true);

    public ZfsBackend(String root, ProcessRunner runner) {
        this.root = root;
        this.runner = runner;
        String pool = root.split("/")[0];
        if (!exists(pool)) {
            throw KopiException.precondition("ZFS pool '" + pool + "' does not exist (or zfs is not running): "
                    + "create it with zpool create, or set pool.path to an existing dataset");
        }
        if (!exists(root)) {
            zfs("create the pool dataset " + root, "create", "-p", root);
            LOG.info("created ZFS dataset " + root);
        }
        for (VolumeId.Kind k : VolumeId.Kind.values()) {
            if (!exists(root + "/" + k.dir)) {
                zfs("create dataset " + root + "/" + k.dir, "create", "-p", root + "/" + k.dir);
            }
            lockDown(k);
        }
        removeUnusedOrigins(pool);
    }

    /**
     * Each instance (unprivileged) must traverse down to its data directory; nobody but root
     * lists what is there.
     */
    private void lockDown(VolumeId.Kind k) {
        String mp = property(root, "mountpoint");
        if (mp == null || !mp.startsWith("/")) {
            return; // not mounted: path() says so when a volume is wanted
        }
        Path dir = Path.of(mp).resolve(k.dir);
        try {
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Posix.chmod(dir, 0711);
            }
        } catch (IOException e) {
            LOG.warning("cannot restrict " + dir + ": " + e.getMessage());
        }
    }

    /**
     * A kopid killed between snapshotting an on-pool source and cloning that snapshot leaves a
     * {@code @kopi-*} snapshot on the user's dataset with no clone: remove those.
     */
    private void removeUnusedOrigins(String pool) {
        ProcessRunner.Result r = run("list", "-H", "-o", "name,clones", "-t", "snapshot", "-r", pool);
        if (!r.ok()) {
            return;
        }
        for (String line : r.stdout().split("\n")) {
            String[] f = line.split("\t");
            if (f.length == 2 && f[0].contains("@" + ORIGIN_PREFIX) && !f[0].startsWith(root + "/")
                    && (f[1].isBlank() || f[1].equals("-"))) {
                destroyQuietly(f[0]);
            }
        }
    }

    @Override
    public String kind() {
        return "zfs";
    }

    @Override
    public String location() {
        return root;
    }

    @Override
    public Path create(VolumeId staging) {
        zfs("create volume " + staging, "create", "-p", dataset(staging));
        return path(staging);
    }

    @Override
    public Optional<Path> snapshotOf(Path dataDirectory, VolumeId staging) {
        String pool = root.split("/")[0];
        String source = null;
        for (String line : zfs("list datasets", "list", "-H", "-o", "name,mountpoint", "-t", "filesystem", "-r", pool)
                .stdout().split("\n")) {
            String[] f = line.split("\t");
            if (f.length == 2 && Path.of(f[1]).equals(dataDirectory.normalize())) {
                source = f[0];
            }
        }
        if (source == null) {
            return Optional.empty();
        }
        String origin = source + "@" + ORIGIN_PREFIX + staging.name() + (staging.tag() == null ? "" : "-" + staging.tag());
        zfs("snapshot " + source, "snapshot", origin);
        try {
            zfs("clone " + origin, "clone", origin, dataset(staging));
        } catch (KopiException e) {
            destroyQuietly(origin);
            throw e;
        }
        return Optional.of(path(staging));
    }

    @Override
    public Path seal(VolumeId staging, VolumeId snapshot) {
        String from = dataset(staging);
        String to = dataset(snapshot);
        // Take the snapshot first (it is the commit point that puts the data on disk), then move
        // the filesystem into place; the ZFS snapshot travels with it. zfs-fuse cannot rename a
        // mounted filesystem, so unmount, rename, mount (OpenZFS does the same internally).
        zfs("seal snapshot " + snapshot, "snapshot", from + "@" + SEAL);
        zfs("set " + staging + " read-only", "set", "readonly=on", from);
        zfsWhenIdle("unmount " + staging, "unmount", from);
        zfsWhenIdle("publish snapshot " + snapshot, "rename", "-p", from, to);
        zfs("mount snapshot " + snapshot, "mount", to);
        return path(snapshot);
    }

    @Override
    public Path clone(VolumeId snapshot, VolumeId clone) {
        zfs("clone " + snapshot + " to " + clone, "clone", dataset(snapshot) + "@" + SEAL, dataset(clone));
        return path(clone);
    }

    @Override
    public void destroy(VolumeId volume) {
        String ds = dataset(volume);
        if (!exists(ds)) {
            return;
        }
        releaseDependents(ds);
        String origin = property(ds, "origin");
        zfsWhenIdle("destroy volume " + volume, "destroy", "-r", "-f", ds);
        // A volume snapshotted from an on-pool data directory (a source's, or a clone's for a
        // branch) leaves that directory's kopi-* snapshot behind.
        if (origin != null && origin.contains("@" + ORIGIN_PREFIX)) {
            destroyQuietly(origin);
        }
        if (volume.kind() == VolumeId.Kind.SNAPSHOT || volume.kind() == VolumeId.Kind.REPLICA) {
            // The source's own dataset (snapshots/SRC, replicas/SRC) goes with its last volume, as
            // its directory does on Btrfs. zfs will not destroy one that has children: then it stays.
            String parent = ds.substring(0, ds.lastIndexOf('/'));
            try {
                zfsWhenIdle("remove the emptied " + parent, "destroy", parent); // zfs-fuse says busy for a moment
            } catch (KopiException e) {
                if (!e.getMessage().contains("has children")) {
                    LOG.info("kept " + parent + " (only untidy): " + e.getMessage());
                }
            }
        }
    }

    /**
     * ZFS ties a clone to the snapshot it came from: a snapshot taken of a Kopi clone (a branch)
     * depends on that clone's dataset, and a branch's clones on the branch. Before a dataset goes,
     * each dataset that depends on it from outside is promoted, which moves the shared snapshot
     * over to the dependent: the dependent keeps its data and the dataset becomes removable.
     */
    private void releaseDependents(String ds) {
        for (int round = 0; round < 100; round++) {
            // By each filesystem's origin rather than the snapshots' "clones" property, which
            // zfs-fuse does not have.
            String dependent = null;
            for (String line : zfs("list dependents of " + ds, "list", "-H", "-o", "name,origin", "-t", "filesystem", "-r",
                    root.split("/")[0]).stdout().split("\n")) {
                String[] f = line.split("\t");
                if (f.length == 2 && (f[1].startsWith(ds + "@") || f[1].startsWith(ds + "/"))
                        && !f[0].equals(ds) && !f[0].startsWith(ds + "/")) {
                    dependent = f[0];
                    break;
                }
            }
            if (dependent == null) {
                return;
            }
            // Promotion moves this dataset's snapshots to the dependent and refuses when a name is
            // taken there (both have "@kopi" when a snapshot's branch is promoted): rename ours
            // first; this dataset is going away, and the renamed ones go with it below.
            List<String> theirs = ownSnapshots(dependent);
            for (String mine : ownSnapshots(ds)) {
                if (theirs.contains(mine)) {
                    String moved = ORIGIN_PREFIX + "moved-" + Long.toHexString(System.nanoTime());
                    zfs("rename snapshot " + ds + "@" + mine, "rename", ds + "@" + mine, ds + "@" + moved);
                }
            }
            zfsWhenIdle("promote " + dependent, "promote", dependent);
        }
        throw KopiException.internal("cannot release the datasets that depend on " + ds, null);
    }

    @Override
    public List<VolumeId> list() {
        List<VolumeId> out = new ArrayList<>();
        String prefix = root + "/";
        for (String name : zfs("list volumes", "list", "-H", "-o", "name", "-t", "filesystem", "-r", root)
                .stdout().split("\n")) {
            if (name.startsWith(prefix)) {
                VolumeId.parse(name.substring(prefix.length())).ifPresent(out::add);
            }
        }
        return out;
    }

    @Override
    public Path path(VolumeId volume) {
        return rootMountpoint().resolve(volume.relative());
    }

    @Override
    public PoolUsage usage() {
        String[] v = zfs("read pool usage", "get", "-Hp", "-o", "value", "used,available", root).stdout().strip().split("\n");
        long used = Long.parseLong(v[0].strip());
        long free = Long.parseLong(v[1].strip());
        return new PoolUsage(used + free, used, free);
    }

    /** The root dataset must exist and be mounted (one {@code zfs get}). */
    @Override
    public Optional<String> problem() {
        ProcessRunner.Result r = run("get", "-H", "-o", "value", "mounted", root);
        if (!r.ok()) {
            return Optional.of("ZFS dataset " + root + " cannot be read: " + r.stderr().strip());
        }
        String mounted = r.stdout().strip();
        return mounted.equals("yes") ? Optional.empty()
                : Optional.of("ZFS dataset " + root + " is not mounted (mounted=" + mounted + ")");
    }

    /** The short names of a dataset's own snapshots (not its descendants'). */
    private List<String> ownSnapshots(String ds) {
        List<String> out = new ArrayList<>();
        for (String name : zfs("list snapshots of " + ds, "list", "-H", "-o", "name", "-t", "snapshot", "-r", ds)
                .stdout().split("\n")) {
            if (name.startsWith(ds + "@")) {
                out.add(name.substring(ds.length() + 1));
            }
        }
        return out;
    }

    @Override
    public String accounting() {
        return "zfs";
    }

    /** ZFS keeps per-dataset figures: {@code used} is what only the dataset holds, {@code referenced} all it refers to. */
    @Override
    public Map<VolumeId, SpaceUsage> volumeUsage() {
        // "zfs get -Hp" rather than "zfs list -Hp": zfs-fuse's list has no -p.
        ProcessRunner.Result r = run("get", "-Hp", "-r", "-o", "name,property,value", "used,referenced", root);
        if (!r.ok()) {
            return Map.of();
        }
        Map<String, long[]> byName = new HashMap<>();
        String prefix = root + "/";
        for (String line : r.stdout().split("\n")) {
            String[] f = line.split("\t");
            if (f.length != 3 || !f[0].startsWith(prefix) || f[0].contains("@")) {
                continue;
            }
            try {
                long v = Long.parseLong(f[2].strip());
                long[] pair = byName.computeIfAbsent(f[0], k -> new long[] {-1, -1});
                if (f[1].equals("used")) {
                    pair[0] = v;
                } else if (f[1].equals("referenced")) {
                    pair[1] = v;
                }
            } catch (NumberFormatException e) {
                // a figure zfs could not give: leave it out
            }
        }
        Map<VolumeId, SpaceUsage> out = new HashMap<>();
        byName.forEach((name, pair) -> {
            if (pair[0] >= 0 && pair[1] >= 0) {
                VolumeId.parse(name.substring(prefix.length())).ifPresent(v -> out.put(v, new SpaceUsage(pair[1], pair[0])));
            }
        });
        return out;
    }

    private Path cachedMountpoint;

    private synchronized Path rootMountpoint() {
        if (cachedMountpoint == null) {
            String mp = property(root, "mountpoint");
            if (mp == null || !mp.startsWith("/")) {
                throw KopiException.precondition("ZFS dataset " + root + " is not mounted (mountpoint=" + mp
                        + "): set a mountpoint so Postgres can reach its data");
            }
            cachedMountpoint = Path.of(mp);
        }
        return cachedMountpoint;
    }

    private String dataset(VolumeId v) {
        return root + "/" + v.relative();
    }

    private boolean exists(String dataset) {
        return run("list", "-H", "-o", "name", dataset).ok();
    }

    /** A property's value, or null for "-" or a missing dataset. */
    private String property(String dataset, String name) {
        ProcessRunner.Result r = run("get", "-H", "-o", "value", name, dataset);
        String v = r.stdout().strip();
        return !r.ok() || v.equals("-") || v.isEmpty() ? null : v;
    }

    private void destroyQuietly(String dataset) {
        ProcessRunner.Result r = run("destroy", dataset);
        if (!r.ok()) {
            LOG.warning("could not destroy " + dataset + ": " + r.describe());
        }
    }

    /**
     * Like {@link #zfs}, retrying while ZFS says the dataset is busy: zfs-fuse (and the kernel)
     * can hold a filesystem for a moment after the last process using it exited.
     */
    private ProcessRunner.Result zfsWhenIdle(String action, String... args) {
        for (int attempt = 1; ; attempt++) {
            try {
                return zfs(action, args);
            } catch (KopiException e) {
                if (!e.getMessage().contains("busy") || attempt == 15) {
                    throw e;
                }
                sleep(50L * attempt);
            }
        }
    }

    private ProcessRunner.Result zfs(String action, String... args) {
        ProcessRunner.Result r = run(args);
        if (!r.ok()) {
            String why = r.describe();
            if (StorageErrors.isNoSpaceMessage(why)) {
                throw KopiException.exhausted("pool is full while trying to " + action
                        + ": destroy clones or snapshots, or grow the pool (" + why + ")");
            }
            if (why.contains("dataset already exists")) {
                throw KopiException.exists("cannot " + action + ": " + why);
            }
            throw KopiException.internal("cannot " + action + ": " + why, null);
        }
        return r;
    }

    private ProcessRunner.Result run(String... args) {
        List<String> argv = new ArrayList<>(args.length + 1);
        argv.add("zfs");
        argv.addAll(List.of(args));
        commands.lock();
        try {
            return runner.run(argv, TIMEOUT);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("did not finish")) {
                throw KopiException.unavailable("zfs " + args[0] + " did not answer in time (" + e.getMessage() + ")");
            }
            throw KopiException.unavailable("cannot run zfs (is ZFS installed, and zfs-fuse running?): " + e.getMessage());
        } finally {
            commands.unlock();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
