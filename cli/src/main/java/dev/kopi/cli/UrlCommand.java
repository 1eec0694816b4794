package dev.kopi.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.GetCloneRequest;

/** kopictl url CLONE [--jdbc]: the connection string of an existing clone, and nothing else. */
@Command(name = "url", description = "Print a clone's connection URI (or JDBC URL).")
final class UrlCommand extends Base {
    @Mixin
    CaFileOption ca = new CaFileOption();

    @Parameters(paramLabel = "CLONE")
    String name;

    @Option(names = "--jdbc", description = "the JDBC URL instead of the libpq URI")
    boolean jdbc;

    @Override
    void run(Connection c) {
        Clone clone = ca.local(c.clones().getClone(GetCloneRequest.newBuilder().setName(name).build()));
        if (root().json()) {
            Output.json(out(), Views.clone(clone));
        } else {
            out().println(jdbc ? clone.getJdbcUrl() : clone.getUri());
        }
    }
}
