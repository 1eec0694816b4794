package dev.kopi.cli;

import dev.kopi.proto.v1.AddSourceRequest;
import dev.kopi.proto.v1.RemoveSourceRequest;
import dev.kopi.proto.v1.Source;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** kopictl source add|remove. */
@Command(name = "source", description = "Add or remove a source.",
        subcommands = {SourceCommand.Add.class, SourceCommand.Remove.class})
final class SourceCommand {
    /** kopictl source add NAME --datadir PATH. */
    @Command(name = "add", description = "Add a source: a local PostgreSQL data directory.")
    static final class Add extends Base {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--datadir", paramLabel = "PATH", required = true,
                description = "the data directory (stopped, or on the pool's filesystem if running)")
        String datadir;

        @Override
        void run(Connection c) {
            Source s = c.sources().addSource(AddSourceRequest.newBuilder().setName(name)
                    .setDatadir(java.nio.file.Path.of(datadir).toAbsolutePath().normalize().toString()).build());
            if (root().json()) {
                Output.json(out(), Views.source(s));
            } else {
                out().println("added source " + s.getName() + " (" + s.getKind() + " " + s.getLocation()
                        + "); next: kopictl refresh " + s.getName());
            }
        }
    }

    /** kopictl source remove NAME. */
    @Command(name = "remove", description = "Remove a source that has no snapshots.")
    static final class Remove extends Base {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        void run(Connection c) {
            c.sources().removeSource(RemoveSourceRequest.newBuilder().setName(name).build());
            if (root().json()) {
                Output.json(out(), java.util.Map.of("removed", name));
            } else {
                out().println("removed source " + name);
            }
        }
    }
}
