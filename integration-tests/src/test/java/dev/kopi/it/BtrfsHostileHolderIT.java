package dev.kopi.it;

/** The hostile clone holder on kopid's embedded Btrfs pool. */
class BtrfsHostileHolderIT extends HostileHolderIT {
    @Override
    Pool createPool(RunDir run) {
        return new BtrfsPool(run);
    }
}
