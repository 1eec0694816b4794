package dev.kopi.cli;

import java.util.List;
import java.util.Map;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import dev.kopi.proto.v1.DestroyCloneRequest;

/** kopictl destroy CLONE...: stops each clone's Postgres and removes its volume. */
@Command(name = "destroy", description = "Stop a clone's Postgres and destroy the clone.")
final class DestroyCommand extends Base {
    @Parameters(paramLabel = "CLONE", arity = "1..*")
    List<String> names;

    @Override
    void run(Connection c) {
        for (String n : names) {
            c.clones().destroyClone(DestroyCloneRequest.newBuilder().setName(n).build());
            if (!root().json()) {
                out().println("destroyed " + n);
            }
        }
        if (root().json()) {
            Output.json(out(), Map.of("destroyed", names));
        }
    }
}
