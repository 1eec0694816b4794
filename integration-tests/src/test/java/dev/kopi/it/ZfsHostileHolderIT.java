package dev.kopi.it;

/** The hostile clone holder on kopid's a zpool under zfs-fuse. */
class ZfsHostileHolderIT extends HostileHolderIT {
    @Override
    Pool createPool(RunDir run) {
        return new ZfsPool(run);
    }
}
