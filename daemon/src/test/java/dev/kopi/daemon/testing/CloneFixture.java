package dev.kopi.daemon.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;

import dev.kopi.daemon.catalog.Catalog;
import dev.kopi.daemon.catalog.CatalogStore;
import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.clone.ClonePolicy;
import dev.kopi.daemon.clone.Clones;
import dev.kopi.daemon.clone.Endpoint;
import dev.kopi.daemon.config.ConfigLoader;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.core.SnapshotRef;
import dev.kopi.daemon.postgres.Identities;
import dev.kopi.daemon.postgres.Instances;
import dev.kopi.daemon.postgres.LocalInstances;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.postgres.PgBinaries;
import dev.kopi.daemon.postgres.PortAllocator;
import dev.kopi.daemon.postgres.PostgresConfig;
import dev.kopi.daemon.postgres.Postmaster;
import dev.kopi.daemon.postgres.RuntimeDirs;
import dev.kopi.daemon.storage.FakeStorageBackend;
import dev.kopi.daemon.storage.VolumeId;

/**
 * Real Clones on a fake pool and a real catalog, with one of three kinds of instances:
 * <ul>
 * <li>{@link Kind#NO_BINARIES}: real {@link LocalInstances}, but no PostgreSQL binaries exist,
 * so any start fails with FAILED_PRECONDITION before a process could be started;</li>
 * <li>{@link Kind#SPAWN_RECORDER}: an executable "postgres" file exists and every start reaches
 * {@link #spawns}, which records it and refuses it (INTERNAL): a test can look at the catalog
 * and the start's argv at that moment;</li>
 * <li>{@link Kind#FAKE}: {@link FakeInstances}, where starts succeed, so the success paths of
 * create, reset, reaping and the warm pool run.</li>
 * </ul>
 */
public final class CloneFixture {
    public static final int PORTS = 4;
    public static final long MIN_FREE = 64L << 20;
    public static final Instant NOW = Instant.parse("2026-11-23T04:00:00Z");

    /** What runs the clones' instances. */
    public enum Kind { NO_BINARIES, SPAWN_RECORDER, FAKE }

    public final Path root;
    public final FakeStorageBackend backend;
    public final Catalog catalog;
    public final ForbiddenProcessRunner runner = new ForbiddenProcessRunner();
    public final PortAllocator ports;
    public final int firstPort;
    public final Path runDir;
    public final Path logDir;
    public final Instances instances;
    /** The uids clones get: a range of this fixture's own, nothing a test machine uses. */
    public final Identities identities;
    public static final int UID_FIRST = 1_999_000_000;
    /** The instances when {@link Kind#FAKE}; else null. */
    public final FakeInstances fake;
    public final Clones clones;
    public final SpawnRecorder spawns = new SpawnRecorder();
    public final ClonePolicy policy;
    public final Events events;
    public final MutableClock clock = new MutableClock(NOW);

    public CloneFixture(Path root) throws IOException {
        this(root, ClonePolicy.DEFAULTS, false);
    }

    public CloneFixture(Path root, ClonePolicy policy, boolean fakeBinaries) throws IOException {
        this(root, policy, fakeBinaries ? Kind.SPAWN_RECORDER : Kind.NO_BINARIES);
    }

    public CloneFixture(Path root, ClonePolicy policy, Kind kind) throws IOException {
        this.root = root;
        this.policy = policy;
        this.events = new Events(clock);
        backend = new FakeStorageBackend(root.resolve("pool"));
        catalog = new Catalog(new CatalogStore(root.resolve("catalog.json")));
        PostgresConfig pg = ConfigLoader.defaults().postgres();
        firstPort = FreePorts.range(PORTS);
        ports = new PortAllocator(firstPort, firstPort + PORTS - 1, InetAddress.getLoopbackAddress());
        runDir = Files.createDirectories(root.resolve("run"));
        logDir = Files.createDirectories(root.resolve("logs"));
        Files.createDirectories(root.resolve("hba"));
        if (kind == Kind.FAKE) {
            fake = new FakeInstances();
            instances = fake;
        } else {
            fake = null;
            instances = new LocalInstances(postmaster(root, kind == Kind.SPAWN_RECORDER), new RuntimeDirs(root), pg);
        }
        identities = new Identities(UID_FIRST, UID_FIRST + 999);
        clones = new Clones(catalog, backend, instances, ports, identities, policy, MIN_FREE,
                Endpoint.plain(pg.host()), events,
                clock);
    }

    private Postmaster postmaster(Path root, boolean fakeBinaries) throws IOException {
        if (fakeBinaries) {
            Path bin = Files.createDirectories(root.resolve("pg/16/bin"));
            Files.createFile(bin.resolve("postgres"), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwxr-xr-x")));
            return new Postmaster(spawns, new PgBinaries(root.resolve("pg/{version}/bin").toString()),
                    new OsUser("postgres", 101, 104), Duration.ofSeconds(1), Duration.ofSeconds(1));
        }
        return new Postmaster(runner, new PgBinaries(root.resolve("no-pg/{version}/bin").toString()),
                new OsUser("postgres", 101, 104), Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    /** A snapshot of {@code source} as a refresh would have published it. */
    public static SnapshotRecord snapshot(String source, String tag, String createdAt) {
        return SnapshotRecord.builder().source(source).tag(tag).createdAt(Instant.parse(createdAt)).version("16")
                .superuser("postgres").database("app").sizeBytes(1L).buildMs(1L).build();
    }

    /** A clone record as {@link #existingClone(String, SnapshotRecord, int)} makes it, not yet recorded. */
    public static CloneRecord cloneRecord(String name, SnapshotRecord snapshot, int port) {
        return CloneRecord.builder().name(name).snapshot(snapshot.ref()).port(port).user("kopi_ab12cd34")
                .password("pw").database("app").createdAt(Instant.parse("2026-11-23T03:00:00Z")).version("16")
                .superuser("postgres").build();
    }

    public SnapshotRecord publish(String source, String tag, String createdAt) {
        SnapshotRecord r = snapshot(source, tag, createdAt);
        backend.add(VolumeId.snapshot(source, tag));
        catalog.putSnapshot(r);
        return r;
    }

    public CloneRecord existingClone(String name, SnapshotRecord snapshot, int port) {
        return existingClone(cloneRecord(name, snapshot, port));
    }

    /** Records a clone as {@link #existingClone(String, SnapshotRecord, int)} does, with its lifetime settings. */
    public CloneRecord existingClone(CloneRecord r) {
        backend.add(VolumeId.clone(r.volumeName()));
        catalog.putClone(r);
        ports.claim(r.port());
        return r;
    }

    /** A snapshot taken of clone {@code fromClone} (made from {@code parent}), published as {@code source@tag}. */
    public SnapshotRecord publishBranch(String source, String tag, String createdAt, SnapshotRecord parent,
                                        String fromClone) {
        SnapshotRecord r = snapshot(source, tag, createdAt).branchedFrom(parent.ref(), fromClone, "branch " + source);
        backend.add(VolumeId.snapshot(source, tag));
        catalog.putSnapshot(r);
        return r;
    }

    /** Where a clone's volume is in the fake pool. */
    public Path dir(String volume) {
        return backend.path(VolumeId.clone(volume));
    }

    /** {@code text} as a snapshot reference (SOURCE or SOURCE@TAG). */
    public static SnapshotRef ref(String text) {
        return SnapshotRef.parse(text);
    }
}
