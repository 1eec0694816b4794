package dev.kopi.daemon.postgres;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import dev.kopi.daemon.core.DaemonThreads;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.tls.CertificateAuthority;
import dev.kopi.sys.DirFd;
import dev.kopi.sys.OwnedTree;
import dev.kopi.sys.SysException;

/**
 * Postgres instances as processes on this host, run as the unprivileged OS user by
 * {@link Postmaster}, with their runtime files in {@link RuntimeDirs}. kopid reaches each one
 * only over its private Unix socket ({@link AdminConnection}).
 */
public final class LocalInstances implements Instances {
    private static final Logger LOG = Logger.getLogger(LocalInstances.class.getName());
    /** How long a reload may take to show before a close is treated as failed. */
    private static final long RELOAD_WAIT_MS = 5_000;
    /** How long a quick question (sessions, reload) may take to connect and to be answered. */
    private static final int QUICK_SECONDS = 5;

    private final Postmaster postmaster;
    private final RuntimeDirs runtime;
    private final PostgresConfig pg;
    private final CgroupLimits limits;
    private final HolderProcesses holders;
    private final CertificateAuthority ca;
    private final List<String> certificateNames;
    /** A clone's certificate outlives any usual clone; a restart or reset issues a new one. */
    private static final Duration CERTIFICATE_VALIDITY = Duration.ofDays(397);
    /** How large an instance's log may grow before its older half is set aside (twice this on disk at most). */
    static final long LOG_MAX = 64L << 20;

    /** Hashes passwords while postgres starts (PBKDF2 takes milliseconds). */
    private final ExecutorService hashing = DaemonThreads.pool("kopid-instance", 4);
    private final ScheduledExecutorService logs = DaemonThreads.timer("kopid-logs");

    public LocalInstances(Postmaster postmaster, RuntimeDirs runtime, PostgresConfig pg) {
        this(postmaster, runtime, pg, CgroupLimits.NONE);
    }

    /** @param limits what each clone's instance may use */
    public LocalInstances(Postmaster postmaster, RuntimeDirs runtime, PostgresConfig pg, CgroupLimits limits) {
        this(postmaster, runtime, pg, limits, null);
    }

    /**
     * @param limits what each clone's instance may use
     * @param ca     issues each clone a certificate when clones serve TLS ({@link PostgresConfig#tls()});
     *               null when they do not
     */
    public LocalInstances(Postmaster postmaster, RuntimeDirs runtime, PostgresConfig pg, CgroupLimits limits,
                          CertificateAuthority ca) {
        this.postmaster = postmaster;
        this.runtime = runtime;
        this.pg = pg;
        this.limits = limits;
        this.holders = new HolderProcesses(postmaster.runner());
        this.ca = pg.tls() ? ca : null;
        this.certificateNames = CertificateAuthority.hostNames(List.of(pg.host()));
    }

    /** Keeps the instances' logs within {@link #LOG_MAX} from now on, checking every 30 seconds. */
    public LocalInstances start() {
        logs.scheduleWithFixedDelay(() -> runtime.capLogs(LOG_MAX), 30, 30, TimeUnit.SECONDS);
        return this;
    }

    @Override
    public Instance start(InstanceSpec spec) {
        OsUser runAs = runAs(spec);
        Path sockets = runtime.createSocketDir(runtime.socketDir(spec.key()), runAs);
        Path hba = runtime.hbaFile(spec.key());
        runtime.writeHba(hba, open(spec), runAs);
        Map<String, String> settings = new HashMap<>(spec.kind() == InstanceSpec.Kind.CLONE ? pg.settings() : Map.of());
        settings.putAll(spec.settings());
        if (ca != null && spec.kind() == InstanceSpec.Kind.CLONE) {
            // Its own key: a holder reads their clone's key and no other's.
            settings.putAll(runtime.writeCertificate(spec.key(), ca.issue(certificateNames, CERTIFICATE_VALIDITY), runAs));
        }
        String listen = spec.kind() == InstanceSpec.Kind.CLONE ? pg.listen() : "";
        if (pid(spec.dataDir()).isEmpty()) {
            // A stale pid file (a host reboot) could name a pid that now belongs to something else.
            runtime.deleteQuietly(spec.dataDir().resolve("postmaster.pid"));
        }
        CompletableFuture<String> verifier = spec.role() == null ? null : CompletableFuture.supplyAsync(
                () -> new Credentials(spec.role().user(), spec.role().password()).scramVerifier(), hashing);
        long t0 = System.nanoTime();
        long pid;
        try {
            pid = postmaster.start(new Launch(spec.label(), spec.dataDir(), spec.version(), spec.port(), listen,
                    sockets, hba, logFile(spec), Map.copyOf(settings), runAs, spec.kind() == InstanceSpec.Kind.STANDBY,
                    spec.kind() != InstanceSpec.Kind.CLONE));
        } catch (RuntimeException e) {
            removeRuntimeFiles(spec, false);
            throw e;
        }
        long t1 = System.nanoTime();
        try {
            if (spec.kind() == InstanceSpec.Kind.CLONE || runAs.bare()) {
                // A guest's staging copy holds what a holder planted: it runs under a clone's limits.
                limits.apply(spec.key(), pid);
            }
            if (spec.role() != null) {
                new RoleStatements(spec.role(), pg.superuser(), spec.version()).ensure(this, spec, join(verifier));
            }
        } catch (RuntimeException e) {
            postmaster.stop(spec.dataDir());
            limits.remove(spec.key());
            throw e;
        }
        return new Instance(spec, pid, sockets, t1 - t0, System.nanoTime() - t1);
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Who an instance runs as: its own identity, else postgres.user. */
    private OsUser runAs(InstanceSpec spec) {
        return spec.user() != null ? spec.user() : postmaster.user();
    }

    /** The pg_hba.conf of an instance open to its clients: a clone's or a staging instance's. */
    private String open(InstanceSpec spec) {
        if (spec.kind() != InstanceSpec.Kind.CLONE) {
            return Hba.forStaging();
        }
        return Hba.forClone(spec.name(), pg.listen(), pg.allRolesOverTcp() || spec.role() == null ? null
                : spec.role().user());
    }

    /**
     * Whether {@code dataDir} was readied by {@link #prepareForClones}: its {@code global}
     * directory (every data directory has one) is open to all. Snapshots made before are not.
     */
    static boolean preparedForClones(Path dataDir) throws SysException {
        try (DirFd root = DirFd.open(dataDir)) {
            Optional<DirFd> global = root.openDir("global");
            if (global.isEmpty()) {
                return false;
            }
            try (DirFd g = global.get()) {
                return (DirFd.mode(g.attributes()) & 0777) == 0777;
            }
        }
    }

    @Override
    public void prepareForClones(Path dataDir) {
        try {
            OwnedTree.Counts c = OwnedTree.prepareForClones(dataDir);
            LOG.fine("readied " + dataDir + " for clones: " + c.directories() + " directories, " + c.entries()
                    + " files");
        } catch (SysException e) {
            throw KopiException.internal("cannot ready " + dataDir + " for clones: " + e.getMessage(), e);
        }
    }

    @Override
    public void give(Path dataDir, OsUser user) {
        try {
            if (preparedForClones(dataDir)) {
                OwnedTree.giveTop(dataDir, user.uid(), user.gid());
            } else {
                OwnedTree.give(dataDir, user.uid(), user.gid());
            }
        } catch (SysException e) {
            throw KopiException.internal("cannot give " + dataDir + " to " + user.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Instance> adopt(InstanceSpec spec) {
        Optional<Long> pid = pid(spec.dataDir());
        if (pid.isPresent() && spec.kind() == InstanceSpec.Kind.CLONE
                && !open(spec).equals(runtime.readHba(runtime.hbaFile(spec.key())))) {
            LOG.info(spec.label() + " was left closed to its clients: opening it again");
            setOpen(spec, true);
        }
        pid.ifPresent(p -> {
            if (spec.kind() == InstanceSpec.Kind.CLONE) {
                limits.apply(spec.key(), p); // under the limits configured now
            }
        });
        return pid.map(p -> new Instance(spec, p, runtime.socketDir(spec.key()), 0, 0));
    }

    @Override
    public Optional<Long> pid(Path dataDir) {
        return new DataDirectory(dataDir).runningPid();
    }

    @Override
    public void stop(Path dataDir) {
        postmaster.stop(dataDir);
    }

    @Override
    public void stop(InstanceSpec spec) {
        stop(spec, false);
    }

    @Override
    public void discard(InstanceSpec spec) {
        stop(spec, true);
    }

    private void stop(InstanceSpec spec, boolean discard) {
        boolean own = spec.user() != null && spec.user().bare();
        if (own && holders.resume(spec.user()) > 0) {
            LOG.info("continued the stopped processes of " + spec.name() + " to shut it down");
        }
        postmaster.stop(spec.dataDir(), discard);
        if (own) {
            int n = holders.end(spec.user());
            if (n > 0) {
                LOG.info("ended " + n + " process(es) left running as " + spec.user().name() + " by " + spec.name()
                        + "'s holder");
            }
        }
    }

    @Override
    public int endStrays(IntPredicate stray) {
        return holders.endStrays(stray);
    }

    @Override
    public int end(OsUser identity) {
        return holders.end(identity);
    }

    @Override
    public void remove(InstanceSpec spec) {
        stop(spec);
        limits.remove(spec.key());
        removeRuntimeFiles(spec, spec.kind() == InstanceSpec.Kind.CLONE);
    }

    /** A staging instance's log outlives it: a failed refresh's error points at it. */
    private void removeRuntimeFiles(InstanceSpec spec, boolean log) {
        runtime.removeSocketDir(runtime.socketDir(spec.key()));
        runtime.deleteQuietly(runtime.hbaFile(spec.key()));
        runtime.removeCertificate(spec.key());
        if (log) {
            runtime.deleteQuietly(logFile(spec));
        }
    }

    @Override
    public Path logFile(InstanceSpec spec) {
        return runtime.logFile(spec.logName());
    }

    @Override
    public OptionalInt sessions(InstanceSpec spec) {
        try {
            return OptionalInt.of(quick(spec, c -> {
                try (Statement st = c.createStatement()) {
                    st.setQueryTimeout(5);
                    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                            + "'client backend' AND pid <> pg_backend_pid() "
                            // kopid's own connections come over the private Unix socket; a TCP
                            // client that calls itself kopid still counts.
                            + "AND NOT (application_name = 'kopid' AND client_addr IS NULL)")) {
                        rs.next();
                        return rs.getInt(1);
                    }
                }
            }));
        } catch (SQLException e) {
            return OptionalInt.empty();
        }
    }

    @Override
    public void checkpoint(InstanceSpec spec) {
        if (pid(spec.dataDir()).isEmpty()) {
            return; // a stopped instance was shut down (cleanly or not): recovery handles either
        }
        try {
            admin(spec, spec.database(), 10, c -> Sql.execute(c, "CHECKPOINT"));
        } catch (SQLException e) {
            LOG.info("checkpoint of " + spec.label() + " skipped: " + e.getMessage());
        }
    }

    @Override
    public void setOpen(InstanceSpec spec, boolean open) {
        runtime.writeHba(runtime.hbaFile(spec.key()), open ? open(spec) : Hba.closed(spec.name()), runAs(spec));
        reload(spec);
    }

    /**
     * Reloads the configuration and waits until the postmaster has applied it. A backend forked
     * after the postmaster handled SIGHUP inherits its new reload time (pg_conf_load_time), and
     * the postmaster reloads pg_hba.conf in the same step, before it accepts another connection:
     * so once a new connection reports a later time, the new rules are in force.
     */
    private void reload(InstanceSpec spec) {
        try {
            Timestamp before = quick(spec, c -> {
                Timestamp t = Sql.timestamp(c, "SELECT pg_conf_load_time()");
                Sql.execute(c, "SELECT pg_reload_conf()");
                return t;
            });
            long deadline = System.currentTimeMillis() + RELOAD_WAIT_MS;
            while (System.currentTimeMillis() < deadline) {
                Timestamp now = quick(spec, c -> Sql.timestamp(c, "SELECT pg_conf_load_time()"));
                if (now.after(before)) {
                    return;
                }
                Thread.sleep(2);
            }
            LOG.warning("reload of " + spec.label() + " did not show within " + RELOAD_WAIT_MS + " ms");
        } catch (SQLException e) {
            LOG.fine("reload of " + spec.label() + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public <T> T admin(InstanceSpec spec, String database, int timeoutSeconds, Work<T> work) throws SQLException {
        try (Connection c = AdminConnection.open(runtime.socketDir(spec.key()), spec.port(), spec.superuser(), database,
                timeoutSeconds)) {
            return work.run(c);
        }
    }

    @Override
    public <T> T adminBounded(InstanceSpec spec, String database, int timeoutSeconds, long maxResultBytes,
                              Work<T> work) throws SQLException {
        try (Connection c = AdminConnection.openBounded(runtime.socketDir(spec.key()), spec.port(), spec.superuser(),
                database, timeoutSeconds, maxResultBytes)) {
            return work.run(c);
        }
    }

    /**
     * A quick question to the instance, bounded at {@link #QUICK_SECONDS} both to connect and to
     * read: a frozen or overloaded instance answers nothing in time and is treated as busy.
     */
    private <T> T quick(InstanceSpec spec, Work<T> work) throws SQLException {
        try (Connection c = AdminConnection.open(runtime.socketDir(spec.key()), spec.port(), spec.superuser(),
                spec.database(), QUICK_SECONDS, QUICK_SECONDS)) {
            return work.run(c);
        }
    }

    @Override
    public String superuser(InstanceSpec spec, Set<String> candidates) {
        SQLException last = null;
        for (String user : new LinkedHashSet<>(candidates)) {
            try {
                return admin(spec.as(user), "template1", 30,
                        c -> Sql.string(c, "SELECT rolname FROM pg_authid WHERE oid = 10"));
            } catch (SQLException e) {
                last = e;
                if (!"28000".equals(e.getSQLState())) { // not "role does not exist"
                    break;
                }
            }
        }
        throw KopiException.precondition("cannot connect to the snapshot of " + spec.name() + " as "
                + String.join(" or ", candidates) + " (" + (last == null ? "" : last.getMessage())
                + "); set the source's superuser");
    }

    @Override
    public long memory(long pid) {
        return InstanceMemory.pss(pid);
    }

    @Override
    public void removeStale(Set<Integer> clonePorts) {
        runtime.removeStale(clonePorts);
        limits.removeStale(clonePorts.stream().map(String::valueOf).collect(Collectors.toSet()));
    }

    /** Stops the background threads. */
    public void close() {
        hashing.shutdownNow();
        logs.shutdownNow();
    }
}
