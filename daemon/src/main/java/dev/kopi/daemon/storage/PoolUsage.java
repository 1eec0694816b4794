package dev.kopi.daemon.storage;

/** Space in the pool, in bytes. */
public record PoolUsage(long size, long used, long free) {
}
