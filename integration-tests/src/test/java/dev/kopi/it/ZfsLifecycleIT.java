package dev.kopi.it;

/** Clone lifecycle flows on a ZFS pool (zfs-fuse, file vdev). */
class ZfsLifecycleIT extends LifecycleFlowsIT {
    @Override
    Pool createPool(RunDir run) {
        return new ZfsPool(run);
    }
}
