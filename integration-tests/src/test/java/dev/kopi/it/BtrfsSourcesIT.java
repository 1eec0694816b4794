package dev.kopi.it;

/** Source and refresh flows on kopid's embedded Btrfs pool. */
class BtrfsSourcesIT extends SourcesFlowsIT {
    @Override
    Pool createPool(RunDir run) {
        return new BtrfsPool(run);
    }
}
