package dev.kopi.daemon;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.grpc.BindableService;
import io.grpc.ServerInterceptor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import dev.kopi.daemon.auth.FailedAttempts;
import dev.kopi.daemon.config.Config;
import dev.kopi.daemon.config.ConfigLoader;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Version;
import dev.kopi.daemon.logging.JsonFormatter;
import dev.kopi.daemon.logging.LogFormat;
import dev.kopi.daemon.logging.RequestIds;
import dev.kopi.daemon.logging.TextFormatter;
import dev.kopi.daemon.process.SystemProcessRunner;
import dev.kopi.daemon.rpc.ApiConfig;
import dev.kopi.daemon.rpc.Authentication;
import dev.kopi.daemon.rpc.CloneRpc;
import dev.kopi.daemon.rpc.EventRpc;
import dev.kopi.daemon.rpc.GrpcServer;
import dev.kopi.daemon.rpc.SchemaRpc;
import dev.kopi.daemon.rpc.SnapshotRpc;
import dev.kopi.daemon.rpc.SourceRpc;
import dev.kopi.daemon.rpc.StatusRpc;
import dev.kopi.daemon.rpc.TokenRpc;
import dev.kopi.daemon.status.DaemonStatus;
import dev.kopi.daemon.tls.CertificateAuthority;
import dev.kopi.daemon.tls.Issued;
import dev.kopi.sys.Posix;

/**
 * kopid: opens the pool, reconciles, serves kopi.v1 on the Unix socket until SIGTERM/SIGINT.
 * Clones keep running when kopid stops; the next kopid adopts them.
 */
@Command(name = "kopid", mixinStandardHelpOptions = true, versionProvider = Kopid.VersionProvider.class,
        description = "Kopi daemon: copy-on-write PostgreSQL clones in milliseconds.")
public final class Kopid implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(Kopid.class.getName());
    /** java.util.logging holds loggers weakly: keep the ones whose level is set here. */
    private static final List<Logger> QUIETED = new ArrayList<>();

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (default: built-in defaults)")
    Path config;

    @Option(names = "--check", description = "validate the config file and exit")
    boolean check;

    @Option(names = "--verbose", description = "log debug detail")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Kopid()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        setUpLogging(verbose, LogFormat.TEXT); // until the config says which format
        Config cfg;
        try {
            cfg = config == null ? ConfigLoader.defaults() : ConfigLoader.load(config);
        } catch (KopiException e) {
            System.err.println("kopid: " + e.getMessage());
            return 2;
        }
        setUpLogging(verbose, cfg.logFormat());
        if (check) {
            System.out.println("config ok");
            return 0;
        }
        if (Posix.geteuid() != 0) {
            return fail(cfg, "must run as root (it mounts the pool and runs Postgres as " + cfg.postgres().user() + ")");
        }
        // Everything kopid creates is private unless it says otherwise (the socket is opened to 0660).
        Posix.umask(0077);
        Kopi kopi;
        List<GrpcServer> servers = new ArrayList<>();
        try {
            Clock clock = Clock.systemDefaultZone(); // schedules read in local time, like cron
            kopi = Kopi.open(cfg, new SystemProcessRunner(), clock);
            List<ServerInterceptor> interceptors = new ArrayList<>(List.of(new RequestIds()));
            kopi.metrics().ifPresent(m -> interceptors.add(m.apiRequests()));
            List<BindableService> services = List.of(new CloneRpc(kopi.clones(), kopi.sources()),
                    new SnapshotRpc(kopi.snapshots(), kopi.prepared(), kopi.clones(), kopi.sources()),
                    new SourceRpc(kopi.sources()),
                    new StatusRpc(kopi.status(), kopi.ca() == null ? "" : kopi.ca().certificatePem(),
                            cfg.api().enabled() ? cfg.api().listen() : ""),
                    new EventRpc(kopi.events()), new TokenRpc(kopi.tokens()),
                    new SchemaRpc(kopi.schemaDiffs(), kopi.clones()));
            servers.add(GrpcServer.unix(cfg.socket(), cfg.socketGroup(), services, interceptors));
            if (cfg.api().enabled()) {
                servers.add(GrpcServer.tcp(cfg.api(), apiIdentity(cfg.api(), kopi.ca(), cfg.postgres().host()),
                        Authentication.bearer(kopi.tokens(), new FailedAttempts(clock)), services, interceptors));
            }
        } catch (KopiException | IOException e) {
            servers.forEach(GrpcServer::close);
            return fail(cfg, e.getMessage());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping (clones keep running)");
            kopi.close();
            servers.forEach(GrpcServer::close);
        }, "kopid-shutdown"));
        DaemonStatus s = kopi.status().status();
        System.out.println("kopid " + Version.current() + " ready on " + cfg.socket()
                + (cfg.api().enabled() ? " and " + cfg.api().listen() + " (TLS)" : "") + " (" + s.backend() + " pool "
                + s.pool() + ", " + s.clones() + " clones)");
        System.out.flush();
        servers.get(0).awaitTermination();
        return 0;
    }

    /** The TCP API's certificate: the configured one, else one kopid's CA issues for this host's names. */
    private static Issued apiIdentity(ApiConfig api, CertificateAuthority ca, String clonesHost) {
        if (api.cert() != null) {
            return Issued.load(api.cert(), api.key());
        }
        List<String> names = new ArrayList<>();
        names.add(api.host());
        names.addAll(api.names());
        names.add(clonesHost);
        return ca.issue(CertificateAuthority.hostNames(names), Duration.ofDays(397));
    }

    /** Says why kopid cannot start, as one line on stderr (a JSON one with log.format: json); returns 1. */
    private static int fail(Config cfg, String message) {
        if (cfg.logFormat() == LogFormat.JSON) {
            LOG.severe("kopid: " + message);
        } else {
            System.err.println("kopid: " + message);
        }
        return 1;
    }

    private static void setUpLogging(boolean verbose, LogFormat format) {
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler h = new ConsoleHandler(); // stderr
        h.setFormatter(format == LogFormat.JSON ? new JsonFormatter() : new TextFormatter());
        Level level = verbose ? Level.FINE : Level.INFO;
        h.setLevel(level);
        root.addHandler(h);
        root.setLevel(level);
        quiet("io.grpc", Level.WARNING);
        // Netty warns that SO_KEEPALIVE does not apply to Unix sockets on every connection.
        quiet("io.grpc.netty.shaded.io.netty", Level.SEVERE);
        quiet("org.postgresql", Level.WARNING);
        // A thread that dies of an exception is logged like everything else, not printed raw.
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> LOG.log(Level.SEVERE, "thread " + t.getName() + " died", e));
    }

    private static void quiet(String name, Level level) {
        Logger l = Logger.getLogger(name);
        l.setLevel(level);
        QUIETED.add(l);
    }

    /** Version from the jar manifest. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"kopid " + Version.current()};
        }
    }
}
