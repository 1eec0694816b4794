package dev.kopi.daemon.clone;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.function.Predicate;
import java.util.logging.Logger;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.core.DaemonThreads;
import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Names;
import dev.kopi.daemon.logging.LogFields;
import dev.kopi.daemon.postgres.Credentials;
import dev.kopi.daemon.postgres.Identities;
import dev.kopi.daemon.postgres.Instance;
import dev.kopi.daemon.postgres.InstanceSpec;
import dev.kopi.daemon.postgres.Instances;
import dev.kopi.daemon.postgres.LoginRole;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.postgres.PortAllocator;
import dev.kopi.daemon.storage.PoolUsage;
import dev.kopi.daemon.storage.StorageBackend;
import dev.kopi.daemon.storage.VolumeId;

/**
 * Makes and unmakes clones: a volume (one native call), a record, an instance with the clone's
 * own role. A failure at any step undoes the earlier ones, so a failed make leaves no volume,
 * process, port or record behind. Names are reserved by the caller ({@link CloneLocks}).
 */
final class CloneFactory {
    private static final Logger LOG = Logger.getLogger(CloneFactory.class.getName());

    private final Catalog catalog;
    private final StorageBackend backend;
    private final Instances instances;
    private final PortAllocator ports;
    private final Identities identities;
    private final CloneLocks locks;
    private final CloneActivity activity;
    private final Events events;
    private final Clock clock;
    private final long minFree;
    private final Endpoint endpoint;
    /** Work done alongside a clone's postgres start (recording it), and log writes off the caller's path. */
    private final ExecutorService background = DaemonThreads.pool("kopid-clone-background", 4);

    CloneFactory(Catalog catalog, StorageBackend backend, Instances instances, PortAllocator ports,
                 Identities identities, CloneLocks locks, CloneActivity activity, Events events, Clock clock,
                 long minFree, Endpoint endpoint) {
        this.catalog = catalog;
        this.backend = backend;
        this.instances = instances;
        this.ports = ports;
        this.identities = identities;
        this.locks = locks;
        this.activity = activity;
        this.events = events;
        this.clock = clock;
        this.minFree = minFree;
        this.endpoint = endpoint;
    }

    /**
     * Makes clone {@code name} (reserved by the caller) of {@code snap} and returns it running.
     * {@code t0} is when the request arrived, for the ready time reported.
     */
    CloneView make(SnapshotRecord snap, String name, String database, String ownerName, Lifetime lifetime, boolean warm,
                   long t0) {
        int port = -1;
        OsUser owner = null;
        VolumeId volume = VolumeId.clone(name);
        boolean volumeMade = false;
        CompletableFuture<Void> recorded = null;
        CloneRecord record = null;
        try {
            requireSpace();
            port = ports.reserve();
            owner = identities.allocate();
            long t1 = System.nanoTime();
            Path dir = backend.clone(VolumeId.snapshot(snap.source(), snap.tag()), volume);
            volumeMade = true;
            long t2 = System.nanoTime();
            instances.give(dir, owner);
            long t2b = System.nanoTime();
            Credentials creds = Credentials.generate();
            Instant now = clock.instant();
            record = lifetime.applyTo(CloneRecord.builder().name(name).snapshot(snap.ref()).port(port)
                    .user(creds.user()).password(creds.password())
                    .database(database == null ? snap.database() : database).createdAt(now)
                    .version(snap.version()).superuser(snap.superuser()).warm(warm).uid(owner.uid()).owner(ownerName)
                    .build(), now);
            CloneRecord toRecord = record;
            // The record must be durable before the caller gets the clone, not before postgres
            // starts: write it while postgres starts. If kopid dies in between, reconcile finds
            // record and volume and starts the clone (role included), so nothing is half-made.
            recorded = CompletableFuture.runAsync(() -> catalog.putClone(toRecord), background);
            Instance started = start(record, true);
            long t3 = System.nanoTime();
            join(recorded);
            long t4 = System.nanoTime();
            long readyMs = (t4 - t0) / 1_000_000;
            String line = "clone " + name + " of " + snap.name() + " ready on port " + port + " in " + readyMs
                    + " ms (prepare " + ms(t1 - t0) + ", volume " + ms(t2 - t1) + ", owner " + ms(t2b - t2) + ", postgres "
                    + ms(started.postgresNanos()) + ", role " + ms(started.roleNanos()) + ", record wait "
                    + ms(t4 - t3) + ")";
            // Made here, on the caller's thread, so they carry the request's id.
            LogFields fields = LogFields.of("clone", name, "snapshot", snap.name(), "source", snap.source(),
                    "port", port, "warm", warm, "duration_ms", readyMs);
            activity.touch(name, clock.instant());
            if (!warm) {
                // Published before create returns, so no later event about this clone can precede it.
                events.publish(EventKind.CLONE_CREATED, name, null, "from " + snap.name() + " on port " + port,
                        Duration.ofNanos(t4 - t0));
            }
            background.execute(() -> fields.info(LOG, line)); // a synchronous log write costs the caller up to ms
            return new CloneView(record, CloneView.State.RUNNING, "", started.pid(), dir, endpoint, readyMs,
                    activity.lastActive(record), activity.idleTimeout(record), -1);
        } catch (RuntimeException e) {
            undo(name, record, volume, volumeMade, port, recorded);
            if (owner != null) {
                identities.release(owner.uid());
            }
            throw e;
        }
    }

    private void undo(String name, CloneRecord record, VolumeId volume, boolean volumeMade, int port,
                      CompletableFuture<Void> recorded) {
        if (recorded != null) {
            try {
                recorded.join();
                catalog.removeClone(name);
            } catch (RuntimeException notRecorded) {
                // the record write failed (that may be why we are here): nothing to remove
            }
        }
        try {
            if (record != null) {
                instances.remove(spec(record));
            } else if (volumeMade) {
                instances.stop(backend.path(volume));
            }
            if (volumeMade) {
                backend.destroy(volume);
            }
        } catch (RuntimeException e) {
            LOG.warning("could not undo clone " + name + " (reconcile removes it on the next start): " + e.getMessage());
        }
        if (port > 0) {
            ports.release(port);
        }
    }

    /** The instance of a clone: on its volume, its port, its role, its own OS identity. */
    InstanceSpec spec(CloneRecord r) {
        return InstanceSpec.clone(r.name(), dir(r), r.version(), r.port(), r.superuser(), r.database(),
                new LoginRole(r.user(), r.password(), true), owner(r));
    }

    /** The identity a clone runs as; null (postgres.user) for a clone recorded before clones had their own. */
    static OsUser owner(CloneRecord r) {
        return r.uid() == null ? null : OsUser.ofUid(r.uid());
    }

    /** Where a clone's volume is. */
    Path dir(CloneRecord r) {
        return backend.path(VolumeId.clone(r.volumeName()));
    }

    /**
     * Starts a clone's instance with its login role ensured: {@code fresh} for a new volume (the
     * role is made), else re-asserted (a restart after a crash gets it back even if the crash
     * came before it was made).
     */
    Instance start(CloneRecord record, boolean fresh) {
        InstanceSpec spec = fresh ? spec(record) : spec(record).restarting();
        try {
            return instances.start(spec);
        } catch (KopiException e) {
            if (e.kind() == KopiException.Kind.NOT_FOUND) {
                throw KopiException.notFound(e.getMessage() + " in snapshot " + record.snapshot());
            }
            throw e;
        }
    }

    /**
     * Destroys a clone if {@code stillDue} holds for its current record, checked under the same
     * lock as protect and extend (a reaper's decision may be stale by the time it acts). Returns
     * whether it did. Warm clones go only for warm upkeep.
     */
    boolean destroy(String name, DestroyReason reason, Predicate<CloneRecord> stillDue) {
        Names.require("clone", name);
        CloneRecord record;
        synchronized (locks) {
            record = catalog.clone(name).filter(r -> !r.warm() || reason.warmUpkeep())
                    .orElseThrow(() -> KopiException.notFound("clone '" + name
                            + "' does not exist ('kopictl clones' lists them)"));
            if (!stillDue.test(record)) {
                return false;
            }
            if (locks.isBusy(name)) {
                throw KopiException.precondition("clone '" + name + "' is busy being created or destroyed");
            }
            locks.hold(name, record.snapshot(), CloneView.State.DESTROYING);
        }
        try {
            // The holder's processes go first: one still in the volume would keep it busy.
            long t0 = System.nanoTime();
            instances.discard(spec(record));
            long t1 = System.nanoTime();
            backend.destroy(VolumeId.clone(record.volumeName()));
            long t2 = System.nanoTime();
            catalog.removeClone(name);
            long t3 = System.nanoTime();
            instances.remove(spec(record));
            ports.release(record.port());
            if (record.uid() != null) {
                identities.release(record.uid());
            }
            activity.forget(name);
            long t4 = System.nanoTime();
            LogFields.of("clone", name, "snapshot", record.snapshot().toString(), "reason", reason.word(),
                            "duration_ms", (t4 - t0) / 1_000_000)
                    .info(LOG, "destroyed clone " + name + " (" + reason.word() + "; stop " + ms(t1 - t0) + ", volume "
                            + ms(t2 - t1) + ", record " + ms(t3 - t2) + ", runtime " + ms(t4 - t3) + ")");
            events.publish(EventKind.CLONE_DESTROYED, name, reason, "was on port " + record.port() + ", from "
                    + record.snapshot());
            return true;
        } finally {
            locks.release(name);
        }
    }

    /** Destroys a clone, logging instead of throwing (warm upkeep). */
    void destroyQuietly(String name, DestroyReason reason) {
        try {
            destroy(name, reason, r -> true);
        } catch (RuntimeException e) {
            LOG.warning("could not destroy " + name + " (" + reason.word() + "): " + e.getMessage());
        }
    }

    /** RESOURCE_EXHAUSTED while the pool has less than pool.min_free free. */
    void requireSpace() {
        PoolUsage u = backend.usage();
        if (u.free() < minFree) {
            throw KopiException.exhausted("pool is full: " + mib(u.free()) + " free, below the floor of " + mib(minFree)
                    + " (pool.min_free); destroy clones or snapshots, or grow the pool");
        }
    }

    /** Gives a clone's volume to its own identity (nothing for a clone without one). */
    void give(Path dir, CloneRecord r) {
        OsUser owner = owner(r);
        if (owner != null) {
            instances.give(dir, owner);
        }
    }

    /**
     * Ends the processes of clone identities none of {@code held} is: left running by holders of
     * clones that went while kopid was down (on start, before leftover volumes are removed).
     */
    int endStrayProcesses(Set<Integer> held) {
        return instances.endStrays(uid -> identities.inRange(uid) && !held.contains(uid));
    }

    /** Marks the uids of recorded clones as held (on start). */
    void claim(CloneRecord r) {
        if (r.uid() != null) {
            identities.claim(r.uid());
        }
    }

    /** Runs {@code task} off the caller's path. */
    void inBackground(Runnable task) {
        background.execute(task);
    }

    private static void join(CompletableFuture<Void> f) {
        try {
            f.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }
}
