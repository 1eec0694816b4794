package dev.kopi.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.LogManager;
import java.util.regex.Pattern;

import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine;

import dev.kopi.client.KopiChannel;
import dev.kopi.client.KopiClientException;
import dev.kopi.client.KopiTarget;

/**
 * kopictl: a thin client of kopid. Each command builds one request, calls, prints.
 * Exit codes: 0 ok, 1 failure, 2 usage. Errors are one line on stderr.
 */
@Command(name = "kopictl", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
        versionProvider = KopiCtl.Version.class,
        description = "Clone PostgreSQL databases in milliseconds (client of kopid).")
public final class KopiCtl {
    /**
     * The commands by name, in the order help lists them. They are added at run time rather than
     * in the annotation because picocli builds every command it is given, by reflection over its
     * annotations: for a call that runs one command, only that one is built (building all of them
     * cost about 55 ms of each start).
     */
    static final Map<String, Class<?>> COMMANDS = commands(
            "clone", CloneCommand.class, "clones", ClonesCommand.class, "reset", ResetCommand.class,
            "extend", ExtendCommand.class, "protect", ProtectCommand.class, "destroy", DestroyCommand.class,
            "diff", DiffCommand.class, "url", UrlCommand.class, "env", EnvCommand.class, "psql", PsqlCommand.class,
            "snapshot", SnapshotCommand.class, "prepare", PrepareCommand.class, "snapshots", SnapshotsCommand.class,
            "delete-snapshot", DeleteSnapshotCommand.class, "sources", SourcesCommand.class,
            "source", SourceCommand.class, "refresh", RefreshCommand.class, "status", StatusCommand.class,
            "events", EventsCommand.class, "token", TokenCommand.class, "ca", CaCommand.class,
            "help", CommandLine.HelpCommand.class);

    /** kopictl's own options that take a value as the next argument, skipped to find the command. */
    private static final Set<String> VALUED_OPTIONS = Set.of("--socket", "--host", "--token-file", "--ca", "-o",
            "--output");

    /** Output format. */
    enum Format { table, json }

    @Option(names = "--socket", paramLabel = "PATH", scope = ScopeType.INHERIT,
            description = "kopid's socket (default: $KOPI_SOCKET, else /run/kopi/kopi.sock)")
    Path socket;

    @Option(names = "--host", paramLabel = "HOST:PORT", scope = ScopeType.INHERIT,
            description = "kopid's TCP API, over TLS (default: $KOPI_HOST; without either, the socket)")
    String host;

    @Option(names = "--token-file", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "file holding the API token (default: $KOPI_TOKEN, else $KOPI_TOKEN_FILE)")
    Path tokenFile;

    @Option(names = "--ca", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "CA certificate (PEM) to trust for --host (default: $KOPI_CA, else the system's CAs)")
    Path ca;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", scope = ScopeType.INHERIT,
            description = "table or json (default: table; clone prints just the URI)")
    Format output;

    private final Map<String, String> env;

    KopiCtl(Map<String, String> env) {
        this.env = env;
    }

    public static void main(String[] args) {
        // gRPC and Netty log through java.util.logging; a CLI prints its own one-line errors instead.
        LogManager.getLogManager().reset();
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true), System.getenv()));
    }

    /** Runs kopictl with the given streams and environment; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
        CommandLine cl = new CommandLine(new KopiCtl(env));
        String name = commandName(args);
        Class<?> invoked = COMMANDS.get(name);
        if (invoked != null && invoked != CommandLine.HelpCommand.class) {
            cl.addSubcommand(name, invoked);
        } else if (name != null || !versionOnly(args)) {
            // No command, help, or a name that is not one: all of them, for the list and for
            // "did you mean". (--version alone needs none: about 100 ms of start-up saved.)
            COMMANDS.forEach(cl::addSubcommand);
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("kopictl: " + redact(describe(e, (KopiCtl) cmd.getCommandSpec().root().userObject())));
            return cmd.getCommand() instanceof Base b ? b.errorExitCode() : 1;
        });
        cl.setParameterExceptionHandler((e, a) -> {
            CommandLine cmd = e.getCommandLine();
            // Some picocli messages ("Error: --to=SNAPSHOT, --latest are mutually exclusive") bring their own prefix.
            String message = e.getMessage().startsWith("Error: ") ? e.getMessage().substring(7) : e.getMessage();
            if (e instanceof CommandLine.MaxValuesExceededException && message.startsWith("expected only one match")) {
                // An option of an argument group given twice: picocli lists every value of the groups.
                message = repeatedOption(cmd.getCommandSpec(), a) + " is given more than once";
            }
            // picocli quotes what it could not parse, which may be part of a connection string.
            cmd.getErr().println("kopictl: " + redact(oneLine(message)) + " (see '"
                    + cmd.getCommandSpec().qualifiedName(" ") + " --help')");
            return 2;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** Whether kopictl is asked for its version and not also for help (which lists every command). */
    static boolean versionOnly(String[] args) {
        List<String> a = List.of(args);
        return (a.contains("--version") || a.contains("-V")) && !a.contains("--help") && !a.contains("-h");
    }

    /** The first argument that is not an option of kopictl's own (nor an option's value): the command. */
    static String commandName(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--")) {
                return null;
            }
            if (!arg.startsWith("-")) {
                return arg;
            }
            if (VALUED_OPTIONS.contains(arg)) {
                i++;
            }
        }
        return null;
    }

    /**
     * Name, class, name, class, ...: the names are written out (and checked against the classes'
     * annotations by a test) because reading an annotation is the reflection this avoids.
     */
    private static Map<String, Class<?>> commands(Object... nameThenClass) {
        Map<String, Class<?>> byName = new LinkedHashMap<>();
        for (int i = 0; i < nameThenClass.length; i += 2) {
            byName.put((String) nameThenClass[i], (Class<?>) nameThenClass[i + 1]);
        }
        return Collections.unmodifiableMap(byName);
    }

    /**
     * Where kopid is: the options, else the environment ({@link KopiTarget#fromEnvironment}). A
     * --socket given beats $KOPI_HOST; a --host given beats $KOPI_SOCKET.
     */
    KopiTarget target() {
        Map<String, String> e = new HashMap<>(env);
        if (socket != null) {
            e.put(KopiChannel.SOCKET_ENV, socket.toString());
            e.remove(KopiTarget.HOST_ENV);
        }
        if (host != null) {
            e.put(KopiTarget.HOST_ENV, host);
        }
        if (tokenFile != null) {
            e.put(KopiTarget.TOKEN_FILE_ENV, tokenFile.toString());
            e.remove(KopiTarget.TOKEN_ENV);
        }
        if (ca != null) {
            e.put(KopiTarget.CA_ENV, ca.toString());
        }
        return KopiTarget.fromEnvironment(e);
    }

    /** Where kopid is, for messages; never fails (a bad --host shows as given). */
    String where() {
        try {
            return target().toString();
        } catch (KopiClientException e) {
            return host != null ? host : String.valueOf(env.get(KopiTarget.HOST_ENV));
        }
    }

    /** The environment kopictl runs in (System.getenv() in production): PATH for psql, and psql's base env. */
    Map<String, String> env() {
        return env;
    }

    boolean json() {
        return output == Format.json;
    }

    static String describe(Exception e, KopiCtl root) {
        return oneLine(describeRaw(e, root));
    }

    private static String describeRaw(Exception e, KopiCtl root) {
        // The client's mapping of gRPC failures, worded for a command line: kopid's own words,
        // and for a socket nobody answers on, the socket and what the connection ran into.
        KopiClientException k = e instanceof StatusRuntimeException s
                ? KopiClientException.from(s, root.where())
                : e instanceof KopiClientException c ? c : null;
        if (k != null) {
            // A transport failure carries its cause; kopid's own UNAVAILABLE answers do not.
            if (k.kind() == KopiClientException.Kind.UNAVAILABLE && k.transportFailure() != null) {
                return "cannot reach kopid at " + root.where() + " (" + k.transportFailure().getMessage()
                        + "); is kopid running?";
            }
            return k.reason();
        }
        if (e instanceof CliException) {
            return e.getMessage();
        }
        return "unexpected error: " + e;
    }

    /** Errors are one line on stderr, whatever a description (say, a tool's stderr) contained. */
    static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** The first option taking one value that args give twice, for a message naming it. */
    static String repeatedOption(CommandLine.Model.CommandSpec spec, String[] args) {
        Set<String> seen = new HashSet<>();
        for (String arg : args) {
            if (arg.equals("--")) {
                break;
            }
            if (!arg.startsWith("-")) {
                continue;
            }
            CommandLine.Model.OptionSpec o = spec.findOption(arg.split("=", 2)[0]);
            if (o != null && !o.isMultiValue() && !seen.add(o.longestName())) {
                return o.longestName();
            }
        }
        return "an option";
    }

    private static final Pattern KEYWORD_PASSWORD =
            Pattern.compile("(?i)(password\\s*=\\s*)('(?:[^'\\\\]|\\\\.)*'?|[^\\s&'\"]+)");
    private static final Pattern URI_PASSWORD = Pattern.compile("(?i)(postgres(?:ql)?://[^:/@\\s]*:)[^@\\s]*@");

    /**
     * A message with what looks like a password in a connection string masked: "password=VALUE"
     * (libpq keyword or URI parameter) and the password in postgresql://USER:PASSWORD@... . kopid
     * masks its own messages; this covers what kopictl itself prints about its command line (a
     * usage error quotes the argument it could not parse, which may be part of a connection string).
     */
    static String redact(String s) {
        String r = KEYWORD_PASSWORD.matcher(s).replaceAll("$1********");
        return URI_PASSWORD.matcher(r).replaceAll("$1********@");
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = KopiCtl.class.getPackage().getImplementationVersion();
            return new String[] {"kopictl " + (v == null ? "dev" : v)};
        }
    }
}
