package dev.kopi.daemon.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import java.util.stream.Stream;

import dev.kopi.daemon.core.KopiException;

/**
 * Per-instance memory and process limits through cgroups, one group per instance named by its
 * key ({@code kopi/PORT}). On a cgroup v2 host (the unified hierarchy with the memory and pids
 * controllers) it writes memory.max and pids.max; on a v1 host (separate memory and pids
 * hierarchies) memory.limit_in_bytes and pids.max. An instance is moved in once it is ready:
 * its postmaster and every process it has forked; what it forks later inherits the group.
 */
public final class CgroupLimits {
    private static final Logger LOG = Logger.getLogger(CgroupLimits.class.getName());
    private static final Path ROOT = Path.of("/sys/fs/cgroup");

    /** Where the limits go: one directory per controller (one for both on v2). */
    private record Layout(boolean v2, Path memory, Path pids) {
    }

    private final long memoryMax;
    private final int pidsMax;
    private final Layout layout;

    private CgroupLimits(long memoryMax, int pidsMax, Layout layout) {
        this.memoryMax = memoryMax;
        this.pidsMax = pidsMax;
        this.layout = layout;
    }

    /** No limits. */
    public static final CgroupLimits NONE = new CgroupLimits(0, 0, null);

    /**
     * Limits of {@code memoryMax} bytes and {@code pidsMax} processes per instance (0 for none);
     * FAILED_PRECONDITION, naming what is missing, when one is asked for and this host has no
     * cgroup hierarchy with that controller.
     */
    public static CgroupLimits of(long memoryMax, int pidsMax) {
        if (memoryMax <= 0 && pidsMax <= 0) {
            return NONE;
        }
        Layout layout = detect().orElseThrow(() -> KopiException.precondition("postgres.memory_max and "
                + "postgres.processes_max need the memory and pids cgroup controllers (cgroup v2 with both enabled, "
                + "or cgroup v1 hierarchies mounted at " + ROOT + "/memory and " + ROOT + "/pids); this host has "
                + "neither: remove the limits or enable the controllers"));
        LOG.info("instance limits through cgroup " + (layout.v2() ? "v2 at " + layout.memory() : "v1 at "
                + layout.memory() + " and " + layout.pids()));
        return new CgroupLimits(memoryMax, pidsMax, layout);
    }

    private static Optional<Layout> detect() {
        for (Path v2 : List.of(ROOT, ROOT.resolve("unified"))) {
            String controllers = read(v2.resolve("cgroup.controllers"));
            if (controllers.contains("memory") && controllers.contains("pids")) {
                return Optional.of(new Layout(true, v2, v2));
            }
        }
        Path memory = ROOT.resolve("memory");
        Path pids = ROOT.resolve("pids");
        if (Files.exists(memory.resolve("memory.limit_in_bytes")) && Files.exists(pids.resolve("cgroup.procs"))) {
            return Optional.of(new Layout(false, memory, pids));
        }
        return Optional.empty();
    }

    public boolean any() {
        return layout != null;
    }

    /** Puts the instance whose postmaster is {@code pid}, and its children, under its limits. */
    public void apply(String key, long pid) {
        if (layout == null) {
            return;
        }
        try {
            List<Long> pids = new ArrayList<>();
            pids.add(pid);
            ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
            if (layout.v2()) {
                Path kopi = layout.memory().resolve("kopi");
                Files.createDirectories(kopi);
                write(layout.memory().resolve("cgroup.subtree_control"), "+memory +pids");
                write(kopi.resolve("cgroup.subtree_control"), "+memory +pids");
                Path group = Files.createDirectories(kopi.resolve(key));
                limit(group, "memory.max", memoryMax);
                limit(group, "pids.max", pidsMax);
                move(group, pids);
            } else {
                Path memory = Files.createDirectories(layout.memory().resolve("kopi").resolve(key));
                Path procs = Files.createDirectories(layout.pids().resolve("kopi").resolve(key));
                limit(memory, "memory.limit_in_bytes", memoryMax);
                limit(procs, "pids.max", pidsMax);
                move(memory, pids);
                move(procs, pids);
            }
        } catch (IOException e) {
            throw KopiException.internal("cannot put instance " + key + " under its limits: " + e.getMessage(), e);
        }
    }

    /** Removes an instance's groups once its processes are gone (a group with processes stays). */
    public void remove(String key) {
        if (layout == null) {
            return;
        }
        for (Path controller : layout.v2() ? List.of(layout.memory()) : List.of(layout.memory(), layout.pids())) {
            try {
                Files.deleteIfExists(controller.resolve("kopi").resolve(key));
            } catch (IOException e) {
                LOG.fine("cgroup kopi/" + key + " stays: " + e.getMessage());
            }
        }
    }

    /** Removes the groups of instances that no longer exist (none of {@code keys}). */
    public void removeStale(Set<String> keys) {
        if (layout == null) {
            return;
        }
        for (Path controller : layout.v2() ? List.of(layout.memory()) : List.of(layout.memory(), layout.pids())) {
            Path kopi = controller.resolve("kopi");
            if (!Files.isDirectory(kopi, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (Stream<Path> groups = Files.list(kopi)) {
                groups.filter(Files::isDirectory).filter(g -> !keys.contains(g.getFileName().toString()))
                        .forEach(g -> remove(g.getFileName().toString()));
            } catch (IOException e) {
                LOG.fine("cannot list " + kopi + ": " + e.getMessage());
            }
        }
    }

    private static void limit(Path group, String file, long value) throws IOException {
        if (value > 0) {
            write(group.resolve(file), Long.toString(value));
        }
    }

    private static void move(Path group, List<Long> pids) throws IOException {
        for (long p : pids) {
            try {
                write(group.resolve("cgroup.procs"), Long.toString(p));
            } catch (IOException gone) {
                // a child that exited meanwhile (ESRCH): nothing to move
                if (ProcessHandle.of(p).isPresent()) {
                    throw gone;
                }
            }
        }
    }

    private static void write(Path file, String value) throws IOException {
        Files.writeString(file, value);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
