package dev.kopi.daemon.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import dev.kopi.daemon.core.KopiException;

/** An in-memory pool: volumes are a set of ids, each with a plain directory under {@code root}. */
public final class FakeStorageBackend implements StorageBackend {
    private final Path root;
    private final Set<VolumeId> volumes = new LinkedHashSet<>();
    private final List<VolumeId> destroyed = new ArrayList<>();
    private final Set<VolumeId> failingDestroys = new HashSet<>();
    private RuntimeException cloneFailure;
    private RuntimeException nextCloneFailure;
    private final Map<VolumeId, SpaceUsage> usage = new HashMap<>();
    private Consumer<VolumeId> beforeDestroy = v -> { };
    private long size = 20L << 30;
    private long free = 10L << 30;
    private boolean unmounted;

    public FakeStorageBackend(Path root) {
        this.root = root;
    }

    /** Puts a volume into the pool, as if an earlier run had made it. */
    public synchronized Path add(VolumeId v) {
        volumes.add(v);
        try {
            return Files.createDirectories(path(v));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized boolean contains(VolumeId v) {
        return volumes.contains(v);
    }

    public synchronized List<VolumeId> destroyed() {
        return List.copyOf(destroyed);
    }

    public synchronized void failDestroyOf(VolumeId v) {
        failingDestroys.add(v);
    }

    /** Runs {@code check} on every volume about to be destroyed. */
    public synchronized void beforeDestroy(Consumer<VolumeId> check) {
        beforeDestroy = check;
    }

    public synchronized void failClonesWith(RuntimeException e) {
        cloneFailure = e;
    }

    /** Only the next clone fails with {@code e}; later ones work again. */
    public synchronized void failNextCloneWith(RuntimeException e) {
        nextCloneFailure = e;
    }

    /** What {@link #volumeUsage()} reports for {@code v}. */
    public synchronized void setUsage(VolumeId v, SpaceUsage u) {
        usage.put(v, u);
    }

    public synchronized void setFree(long bytes) {
        free = bytes;
    }

    /** Plays an unmounted pool: {@link #problem()} says so and {@link #usage()} fails. */
    public synchronized void unmount() {
        unmounted = true;
    }

    @Override
    public synchronized Optional<String> problem() {
        return unmounted ? Optional.of("pool " + root + " is not mounted") : Optional.empty();
    }

    @Override
    public String kind() {
        return "fake";
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public synchronized Path create(VolumeId staging) {
        return add(staging);
    }

    @Override
    public Optional<Path> snapshotOf(Path dataDirectory, VolumeId staging) {
        return Optional.empty();
    }

    @Override
    public synchronized Path seal(VolumeId staging, VolumeId snapshot) {
        volumes.remove(staging);
        return add(snapshot);
    }

    @Override
    public synchronized Path clone(VolumeId snapshot, VolumeId clone) {
        if (cloneFailure != null) {
            throw cloneFailure;
        }
        if (nextCloneFailure != null) {
            RuntimeException e = nextCloneFailure;
            nextCloneFailure = null;
            throw e;
        }
        if (!volumes.contains(snapshot)) {
            throw KopiException.internal("no snapshot volume " + snapshot, null);
        }
        return add(clone);
    }

    @Override
    public synchronized void destroy(VolumeId volume) {
        if (failingDestroys.contains(volume)) {
            throw KopiException.internal("cannot destroy " + volume + ": device or resource busy", null);
        }
        beforeDestroy.accept(volume);
        if (volumes.remove(volume)) {
            destroyed.add(volume);
        }
    }

    @Override
    public synchronized List<VolumeId> list() {
        return List.copyOf(volumes);
    }

    @Override
    public Path path(VolumeId volume) {
        return root.resolve(volume.relative());
    }

    @Override
    public synchronized Map<VolumeId, SpaceUsage> volumeUsage() {
        return Map.copyOf(usage);
    }

    @Override
    public synchronized PoolUsage usage() {
        if (unmounted) {
            throw KopiException.internal("read pool usage: not mounted", null);
        }
        return new PoolUsage(size, size - free, free);
    }
}
