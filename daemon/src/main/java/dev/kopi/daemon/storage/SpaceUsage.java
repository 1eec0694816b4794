package dev.kopi.daemon.storage;

/**
 * Space one volume takes on the pool.
 *
 * @param referenced bytes of data the volume refers to, shared or not
 * @param exclusive  bytes only it holds: for a clone, what it wrote beyond its snapshot
 */
public record SpaceUsage(long referenced, long exclusive) {
}
