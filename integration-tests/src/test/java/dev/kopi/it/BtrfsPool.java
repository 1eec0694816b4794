package dev.kopi.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.kopi.sys.FileCopy;
import dev.kopi.sys.LoopDevices;
import dev.kopi.sys.Mounts;
import dev.kopi.sys.Statfs;

/**
 * kopid's embedded pool: kopid itself creates the sparse image, formats it, attaches a loop
 * device and mounts it. Teardown unmounts (the loop device detaches itself) and checks that.
 */
final class BtrfsPool implements Pool {
    private final RunDir run;
    private final Path mount;
    private final Path image;
    private final String size;
    private final String quotas;

    BtrfsPool(RunDir run) {
        this(run, "1G");
    }

    BtrfsPool(RunDir run, String size) {
        this(run, size, "auto");
    }

    /** {@code quotas}: pool.quotas (auto, on, off), for measuring what usage accounting costs. */
    BtrfsPool(RunDir run, String size, String quotas) {
        this.run = run;
        this.size = size;
        this.quotas = quotas;
        this.mount = run.resolve("pool");
        this.image = run.resolve("pool.img");
    }

    @Override
    public String backend() {
        return "btrfs";
    }

    @Override
    public String yaml() {
        return "pool:\n  path: " + mount + "\n  image: " + image + "\n  size: " + size + "\n  min_free: 32M\n"
                + "  quotas: " + quotas + "\n";
    }

    @Override
    public Path path(String volume) {
        return mount.resolve(volume);
    }

    @Override
    public boolean exists(String volume) {
        return Sh.run("btrfs", "subvolume", "show", mount.resolve(volume).toString()).ok();
    }

    @Override
    public java.util.Set<String> volumes() {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (String line : Sh.ok("btrfs", "subvolume", "list", mount.toString()).split("\n")) {
            int i = line.indexOf(" path ");
            if (i > 0) {
                String p = line.substring(i + 6).strip();
                if (p.startsWith("staging/") || p.startsWith("clones/") || p.startsWith("snapshots/")
                        || p.startsWith("replicas/")) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    @Override
    public void createBehindKopisBack(String volume) {
        Sh.ok("btrfs", "subvolume", "create", mount.resolve(volume).toString());
    }

    @Override
    public void fill(long freeBytes) {
        try {
            Path filler = mount.resolve("filler");
            Files.deleteIfExists(filler);
            Sh.ok("sync");
            long free = Statfs.of(mount).freeBytes();
            long size = free - freeBytes;
            if (size > 0) {
                FileCopy.allocate(filler, size);
            }
            Sh.ok("btrfs", "filesystem", "sync", mount.toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot fill " + mount + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void unfill() {
        try {
            Files.deleteIfExists(mount.resolve("filler"));
            Sh.ok("btrfs", "filesystem", "sync", mount.toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Path createExternalVolume(String name) {
        Path p = mount.resolve(name);
        Sh.ok("btrfs", "subvolume", "create", p.toString());
        Sh.ok("chown", "postgres:postgres", p.toString());
        Sh.ok("chmod", "700", p.toString());
        return p;
    }

    @Override
    public void close() {
        try {
            Reaper.killPostgresUnder(mount);
            if (Mounts.at(mount).isPresent()) {
                Mounts.unmount(mount, 0);
            }
            if (LoopDevices.findByBackingFile(image).isPresent()) {
                throw new IllegalStateException("loop device for " + image + " still attached after unmount");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot unmount " + mount + ": " + e.getMessage(), e);
        }
    }
}
