package dev.kopi.daemon.status;

import java.time.Instant;

import dev.kopi.daemon.storage.PoolUsage;

/**
 * What {@code kopictl status} shows: the daemon, its pool, counts and limits.
 *
 * @param version       kopid's version
 * @param backend       "btrfs" or "zfs"
 * @param pool          the pool's location (mount point or dataset)
 * @param image         the embedded pool's image file, or "" when the pool is not embedded
 * @param usage         the pool's size, used and free bytes
 * @param sources       sources, from the config file and the API
 * @param snapshots     published snapshots
 * @param clones        recorded clones (warm ones included)
 * @param clonesRunning clones whose instance runs (warm ones not included)
 * @param startedAt     when this kopid started
 * @param ports         the configured port range, e.g. 6500-6599
 * @param portsFree     ports of that range not held by a clone
 * @param clonesMax     clones.max; 0 for no limit
 * @param minFree       pool.min_free, bytes
 * @param accounting    how per-volume usage is measured, "" when it is not
 * @param clonesUsed    bytes the clones wrote beyond their snapshots; -1 when unknown
 * @param warmClones    warm clones ready for hand-out (not those still starting)
 * @param warmMemory    memory (PSS) of the warm clones' instances, bytes
 */
public record DaemonStatus(String version, String backend, String pool, String image, PoolUsage usage, int sources,
                           int snapshots, int clones, int clonesRunning, Instant startedAt, String ports, int portsFree,
                           int clonesMax, long minFree, String accounting, long clonesUsed, int warmClones,
                           long warmMemory) {
}
