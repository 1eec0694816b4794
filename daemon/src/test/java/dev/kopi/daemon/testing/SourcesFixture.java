package dev.kopi.daemon.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import dev.kopi.daemon.clone.ClonePolicy;
import dev.kopi.daemon.core.EventKind;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.postgres.PgBinaries;
import dev.kopi.daemon.postgres.PgTools;
import dev.kopi.daemon.snapshot.Retention;
import dev.kopi.daemon.snapshot.Snapshots;
import dev.kopi.daemon.source.Refresher;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.source.SourceDefinition;
import dev.kopi.daemon.source.Sources;
import dev.kopi.daemon.source.fill.Staging;

/**
 * Real Sources, Snapshots and Retention over a {@link CloneFixture} (fake pool, real catalog,
 * a clock that moves only when told). No PostgreSQL binaries exist unless {@code fakeBinaries}
 * (an executable "postgres" for version 16 that is never run): a refresh fails with
 * FAILED_PRECONDITION before a program could be started, and no program is ever run.
 */
public final class SourcesFixture implements AutoCloseable {
    public final CloneFixture f;
    public final Refresher refresher;
    public final Sources sources;
    public final Snapshots snapshots;
    public final Retention retention;
    public final List<Events.Event> published = new ArrayList<>();
    private final Events.Subscription subscription;

    public SourcesFixture(Path root, Map<String, Source> configured) throws IOException {
        this(root, configured, false);
    }

    public SourcesFixture(Path root, Map<String, Source> configured, boolean fakeBinaries) throws IOException {
        this(root, configured, fakeBinaries, CloneFixture.Kind.NO_BINARIES);
    }

    /** With clones whose instances are of {@code kind} ({@link CloneFixture.Kind#FAKE}: starts succeed). */
    public SourcesFixture(Path root, Map<String, Source> configured, boolean fakeBinaries, CloneFixture.Kind kind)
            throws IOException {
        f = new CloneFixture(root, ClonePolicy.DEFAULTS, kind);
        if (fakeBinaries) {
            Path bin = Files.createDirectories(root.resolve("pg/16/bin"));
            Files.createFile(bin.resolve("postgres"), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        PgBinaries binaries = new PgBinaries(root.resolve("pg/{version}/bin").toString());
        OsUser user = new OsUser("postgres", 101, 104);
        Staging staging = new Staging(f.backend, f.instances, new PgTools(f.runner, binaries, user), 0, f.identities,
                root.resolve("state/replicas"));
        refresher = new Refresher(staging, f.catalog, f.clock);
        sources = new Sources(configured, f.catalog, refresher, f.clock, List.of(root.resolve("pool/clones")),
                f.events);
        snapshots = new Snapshots(f.catalog, f.backend, f.clones, refresher, sources::isSource, f.events);
        retention = new Retention(f.catalog, snapshots);
        subscription = f.events.watch(0, e -> {
            synchronized (published) {
                published.add(e);
            }
        });
    }

    /** A source from the config file. */
    public static Source config(SourceDefinition d) {
        return d.toSource(Source.Origin.CONFIG);
    }

    public List<Events.Event> events(EventKind kind) {
        synchronized (published) {
            return published.stream().filter(e -> e.kind() == kind).toList();
        }
    }

    /** Waits up to 10 s for {@code condition}; false if it never held. */
    public static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(5);
        }
        return condition.getAsBoolean();
    }

    @Override
    public void close() {
        subscription.close();
        sources.close();
    }
}
