package dev.kopi.it;

/** The client library and JUnit extension against kopid on kopid's embedded Btrfs pool. */
class BtrfsClientIT extends ClientFlowsIT {
    @Override
    Pool createPool(RunDir run) {
        return new BtrfsPool(run);
    }
}
