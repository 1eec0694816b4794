package dev.kopi.it;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/**
 * A zpool on a sparse file vdev, served by zfs-fuse (started here if it is not running). kopid
 * owns the dataset POOL/kopi below it; teardown destroys the whole zpool.
 */
final class ZfsPool implements Pool {
    private final String zpool;
    private final Path mountRoot;

    ZfsPool(RunDir run) {
        this(run, 1L << 30);
    }

    ZfsPool(RunDir run, long vdevBytes) {
        ensureZfsRunning();
        this.zpool = run.zpoolName();
        this.mountRoot = run.resolve("zfs");
        Path vdev = run.resolve("zpool.img");
        try (RandomAccessFile f = new RandomAccessFile(vdev.toFile(), "rw")) {
            f.setLength(vdevBytes);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Sh.ok("zpool", "create", "-m", mountRoot.toString(), zpool, vdev.toString());
    }

    static void ensureZfsRunning() {
        if (Sh.run("pgrep", "-x", "zfs-fuse").ok()) {
            return;
        }
        // A zfs-fuse that was killed leaves its pidfile, and a new one refuses to start over it.
        Sh.run("rm", "-f", "/run/zfs-fuse.pid");
        Sh.ok("zfs-fuse", "--pidfile", "/run/zfs-fuse.pid");
        for (int i = 0; i < 100 && !Sh.run("zpool", "list").ok(); i++) {
            sleep(100);
        }
    }

    String root() {
        return zpool + "/kopi";
    }

    @Override
    public String backend() {
        return "zfs";
    }

    @Override
    public String yaml() {
        return "pool:\n  backend: zfs\n  path: " + root() + "\n  min_free: 32M\n";
    }

    @Override
    public Path path(String volume) {
        return mountRoot.resolve("kopi").resolve(volume);
    }

    @Override
    public boolean exists(String volume) {
        return Sh.run("zfs", "list", "-H", "-o", "name", root() + "/" + volume).ok();
    }

    @Override
    public java.util.Set<String> volumes() {
        java.util.Set<String> out = new java.util.TreeSet<>();
        String prefix = root() + "/";
        for (String name : Sh.ok("zfs", "list", "-H", "-o", "name", "-t", "filesystem", "-r", root()).split("\n")) {
            if (!name.startsWith(prefix)) {
                continue;
            }
            String rel = name.substring(prefix.length());
            int depth = rel.split("/").length;
            boolean volume = rel.startsWith("snapshots/") || rel.startsWith("replicas/") ? depth == 3 : depth == 2;
            if (volume) {
                out.add(rel);
            }
        }
        return out;
    }

    @Override
    public void createBehindKopisBack(String volume) {
        Sh.ok("zfs", "create", "-p", root() + "/" + volume);
    }

    @Override
    public void fill(long freeBytes) {
        // A quota on kopid's dataset: the pool is "full" for kopid, deterministically, at once.
        long used = Long.parseLong(Sh.ok("zfs", "get", "-Hp", "-o", "value", "used", root()).strip());
        Sh.ok("zfs", "set", "quota=" + (used + freeBytes), root());
    }

    @Override
    public void unfill() {
        Sh.ok("zfs", "set", "quota=none", root());
    }

    @Override
    public Path createExternalVolume(String name) {
        Sh.ok("zfs", "create", zpool + "/" + name);
        Path p = mountRoot.resolve(name);
        Sh.ok("chown", "postgres:postgres", p.toString());
        Sh.ok("chmod", "700", p.toString());
        return p;
    }

    @Override
    public void close() {
        Reaper.killPostgresUnder(mountRoot);
        Sh.Result r = null;
        for (int attempt = 1; attempt <= 20 && Sh.run("zpool", "list", zpool).ok(); attempt++) {
            r = Sh.run("zpool", "destroy", "-f", zpool);
            if (!r.ok()) {
                sleep(100L * attempt); // zfs-fuse: "pool is busy" right after its last user went
            }
        }
        if (Sh.run("zpool", "list", zpool).ok()) {
            throw new IllegalStateException("cannot destroy zpool " + zpool + ": " + (r == null ? "" : r.out()));
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
