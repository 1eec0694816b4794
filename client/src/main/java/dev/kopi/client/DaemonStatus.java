package dev.kopi.client;

import java.time.Duration;

/**
 * kopid's health and capacity, as returned by {@link KopiClient#status()}.
 *
 * @param version        kopid's version
 * @param backend        {@code btrfs} or {@code zfs}
 * @param pool           Btrfs mount point or ZFS dataset
 * @param poolSizeBytes  size of the pool
 * @param poolFreeBytes  free space on the pool
 * @param sources        number of sources
 * @param snapshots      number of snapshots
 * @param clones         number of clones
 * @param clonesRunning  clones whose Postgres is up
 * @param clonesMax      the clone limit; 0 = none
 * @param portsFree      free ports for new clones
 * @param uptime         how long kopid has been running
 * @param caller         who kopid takes this client to be: a token's name, or unix:UID
 * @param callerRole     that caller's role: admin or user
 */
public record DaemonStatus(String version, String backend, String pool, long poolSizeBytes, long poolFreeBytes,
                           int sources, int snapshots, int clones, int clonesRunning, int clonesMax, int portsFree,
                           Duration uptime, String caller, String callerRole) {

    static DaemonStatus of(dev.kopi.proto.v1.Status s) {
        return new DaemonStatus(s.getVersion(), s.getBackend(), s.getPool(), s.getPoolSizeBytes(),
                s.getPoolFreeBytes(), s.getSources(), s.getSnapshots(), s.getClones(), s.getClonesRunning(),
                s.getClonesMax(), s.getPortsFree(), Duration.ofMillis(s.getUptimeMs()), s.getCaller(), s.getCallerRole());
    }
}
