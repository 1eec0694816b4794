package dev.kopi.it;

/** The replica source's flows on a Zfs pool. */
class ZfsReplicaIT extends ReplicaFlowsIT {
    @Override
    Pool createPool(RunDir run) {
        return new ZfsPool(run);
    }
}
