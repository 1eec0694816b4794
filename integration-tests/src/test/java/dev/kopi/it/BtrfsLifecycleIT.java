package dev.kopi.it;

/** Clone lifecycle flows on kopid's embedded Btrfs pool (with quota groups for usage). */
class BtrfsLifecycleIT extends LifecycleFlowsIT {
    @Override
    Pool createPool(RunDir run) {
        return new BtrfsPool(run);
    }
}
