package dev.kopi.daemon.status;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.clone.CloneView;
import dev.kopi.daemon.clone.Clones;
import dev.kopi.daemon.clone.WarmPool;
import dev.kopi.daemon.core.Version;
import dev.kopi.daemon.postgres.PortAllocator;
import dev.kopi.daemon.source.Sources;
import dev.kopi.daemon.storage.PoolUsage;
import dev.kopi.daemon.storage.StorageBackend;
import dev.kopi.daemon.storage.btrfs.BtrfsBackend;

/** Puts together the {@link DaemonStatus} from the services that know each part. */
public final class StatusReporter {
    /** The configured limits a status repeats. */
    public record Limits(String ports, int clonesMax, long minFree) {
    }

    private final StorageBackend backend;
    private final Catalog catalog;
    private final Clones clones;
    private final WarmPool warm;
    private final Sources sources;
    private final PortAllocator ports;
    private final Limits limits;
    private final Instant startedAt;

    public StatusReporter(StorageBackend backend, Catalog catalog, Clones clones, WarmPool warm, Sources sources,
                          PortAllocator ports, Limits limits, Instant startedAt) {
        this.warm = warm;
        this.backend = backend;
        this.catalog = catalog;
        this.clones = clones;
        this.sources = sources;
        this.ports = ports;
        this.limits = limits;
        this.startedAt = startedAt;
    }

    public DaemonStatus status() {
        PoolUsage usage = backend.usage();
        List<CloneView> all = clones.list(Optional.empty());
        int running = (int) all.stream().filter(c -> c.state() == CloneView.State.RUNNING).count();
        long used = all.stream().anyMatch(c -> c.usedBytes() < 0) ? -1
                : all.stream().mapToLong(CloneView::usedBytes).sum();
        return new DaemonStatus(Version.current(), backend.kind(), backend.location(),
                backend instanceof BtrfsBackend b && b.image() != null ? b.image().toString() : "", usage,
                sources.list().size(), catalog.snapshots().size(), catalog.clones().size(), running, startedAt,
                limits.ports(), ports.free(), limits.clonesMax(), limits.minFree(), backend.accounting(), used,
                clones.warmReady().size(), warm.memory());
    }
}
