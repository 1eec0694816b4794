package dev.kopi.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every subcommand shares: the connection to kopid and the output streams. */
abstract class Base implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    KopiCtl root() {
        return (KopiCtl) spec.root().userObject();
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public final Integer call() {
        try (Connection c = new Connection(root().target())) {
            run(c);
        }
        return afterClose();
    }

    abstract void run(Connection c);

    /**
     * Runs once the connection to kopid is closed, and returns the exit code. psql uses it: an
     * interactive session can last hours and needs nothing more from kopid.
     */
    int afterClose() {
        return 0;
    }

    /** The exit code when the command fails; diff --exit-code keeps 1 for "they differ". */
    int errorExitCode() {
        return 1;
    }
}
