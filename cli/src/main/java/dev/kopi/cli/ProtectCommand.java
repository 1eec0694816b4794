package dev.kopi.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.ProtectCloneRequest;

/** kopictl protect CLONE [--off]. */
@Command(name = "protect", description = "Exempt a clone from expiry and idle reaping (--off ends that).")
final class ProtectCommand extends Base {
    @Parameters(paramLabel = "CLONE")
    String name;

    @Option(names = "--off", description = "end the protection: expiry and idle reaping apply again")
    boolean off;

    @Override
    void run(Connection c) {
        Clone clone = c.clones().protectClone(ProtectCloneRequest.newBuilder().setName(name).setProtect(!off).build());
        if (root().json()) {
            Output.json(out(), Views.clone(clone));
        } else {
            out().println((clone.getProtected() ? "protected " : "unprotected ") + clone.getName());
        }
    }
}
