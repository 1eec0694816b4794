package dev.kopi.it;

/** Schema diffs on kopid's embedded Btrfs pool. */
class BtrfsSchemaDiffIT extends SchemaDiffFlowsIT {
    @Override
    Pool createPool(RunDir run) {
        return new BtrfsPool(run);
    }
}
