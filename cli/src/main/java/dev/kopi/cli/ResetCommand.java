package dev.kopi.cli;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.ResetCloneRequest;

/**
 * kopictl reset CLONE [--to SNAPSHOT | --latest]: prints the URI, like clone. Name, port and
 * credentials stay, so the URI is the one the clone had; printing it lets scripts treat reset
 * and clone alike.
 */
@Command(name = "reset", description = "Throw away a clone's changes (same name, port and password); prints the URI.")
final class ResetCommand extends Base {
    @Mixin
    CaFileOption ca = new CaFileOption();

    @Parameters(paramLabel = "CLONE")
    String name;

    /** An exclusive group, so that picocli refuses both as a usage error before kopid is called. */
    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Target target;

    /** Where to reset to; neither option means the clone's own snapshot. */
    static final class Target {
        @Option(names = "--to", paramLabel = "SNAPSHOT",
                description = "another snapshot of the same source: SOURCE (its newest) or SOURCE@TAG")
        String to;

        @Option(names = "--latest", description = "the newest snapshot of the clone's source")
        boolean latest;
    }

    @Override
    void run(Connection c) {
        ResetCloneRequest.Builder req = ResetCloneRequest.newBuilder().setName(name);
        if (target != null) {
            if (target.to != null) {
                req.setTo(target.to);
            }
            req.setLatest(target.latest);
        }
        Clone clone = ca.local(c.clones().resetClone(req.build()));
        if (root().json()) {
            Output.json(out(), Views.clone(clone));
        } else {
            out().println(clone.getUri());
        }
    }
}
