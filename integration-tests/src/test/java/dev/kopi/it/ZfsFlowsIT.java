package dev.kopi.it;

/** All flows on a ZFS pool (zfs-fuse, file vdev). */
class ZfsFlowsIT extends KopiFlowsIT {
    @Override
    Pool createPool(RunDir run) {
        return new ZfsPool(run);
    }
}
