package dev.kopi.it;

/** Source and refresh flows on a ZFS pool (zfs-fuse). */
class ZfsSourcesIT extends SourcesFlowsIT {
    @Override
    Pool createPool(RunDir run) {
        return new ZfsPool(run);
    }
}
