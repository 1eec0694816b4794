package dev.kopi.cli;

import java.time.Instant;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.ExtendCloneRequest;

/** kopictl extend CLONE DURATION: prints the new expiry. The duration goes to kopid as written. */
@Command(name = "extend", description = "Move a clone's expiry further out; prints the new expiry.")
final class ExtendCommand extends Base {
    @Parameters(index = "0", paramLabel = "CLONE")
    String name;

    @Parameters(index = "1", paramLabel = "DURATION", description = "added to the current expiry, e.g. 30m, 2h, 1d")
    String by;

    @Override
    void run(Connection c) {
        Clone clone = c.clones().extendClone(ExtendCloneRequest.newBuilder().setName(name).setBy(by).build());
        if (root().json()) {
            Output.json(out(), Views.clone(clone));
        } else if (clone.getExpiresAt().isEmpty()) {
            out().println(clone.getName() + " never expires");
        } else {
            out().println(clone.getName() + " expires " + Output.time(clone.getExpiresAt()) + " ("
                    + Output.until(clone.getExpiresAt(), Instant.now()) + ")");
        }
    }
}
