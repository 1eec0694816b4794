package dev.kopi.it;

/** Schema diffs on a ZFS pool (zfs-fuse, file vdev). */
class ZfsSchemaDiffIT extends SchemaDiffFlowsIT {
    @Override
    Pool createPool(RunDir run) {
        return new ZfsPool(run);
    }
}
