package dev.kopi.it;

/** The client library and JUnit extension against kopid on a ZFS pool (zfs-fuse). */
class ZfsClientIT extends ClientFlowsIT {
    @Override
    Pool createPool(RunDir run) {
        return new ZfsPool(run);
    }
}
