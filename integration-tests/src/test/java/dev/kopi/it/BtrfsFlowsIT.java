package dev.kopi.it;

/** All flows on kopid's embedded Btrfs pool (loop file it creates, attaches and mounts itself). */
class BtrfsFlowsIT extends KopiFlowsIT {
    @Override
    Pool createPool(RunDir run) {
        return new BtrfsPool(run);
    }
}
