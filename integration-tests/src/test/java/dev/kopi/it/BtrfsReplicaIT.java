package dev.kopi.it;

/** The replica source's flows on a Btrfs pool. */
class BtrfsReplicaIT extends ReplicaFlowsIT {
    @Override
    Pool createPool(RunDir run) {
        return new BtrfsPool(run);
    }
}
