package dev.kopi.daemon.schema;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.logging.LogFields;
import dev.kopi.daemon.postgres.Identities;
import dev.kopi.daemon.postgres.InstanceSpec;
import dev.kopi.daemon.postgres.Instances;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.postgres.PgVersion;
import dev.kopi.daemon.storage.StorageBackend;
import dev.kopi.daemon.storage.VolumeId;

/**
 * Snapshots' schemas: from the cache, else read once from a private copy. A snapshot is read-only
 * and has no instance, so kopid clones its volume to a staging volume, starts Postgres there as a
 * staging instance (its Unix socket only: no holder reaches it), reads the schema, and removes
 * instance and volume whatever happened; a kopid killed meanwhile leaves a staging volume, which
 * the next start removes. One read per snapshot at a time: a second diff waits for the first's.
 *
 * <p>The copy runs as a guest identity of its own, never postgres.user: a snapshot taken of a
 * clone holds what its holder planted (configuration that runs commands at start, role settings,
 * functions), and whatever that runs reaches this throwaway copy only. The guest's processes are
 * ended with the instance, and its uid goes back only then.
 */
final class SnapshotSchemas {
    private static final Logger LOG = Logger.getLogger(SnapshotSchemas.class.getName());

    private final StorageBackend backend;
    private final Instances instances;
    private final Identities guests;
    private final SchemaCache cache;
    private final SchemaReader reader;
    private final long maxResultBytes;
    private final Map<String, Object> reading = new ConcurrentHashMap<>();

    SnapshotSchemas(StorageBackend backend, Instances instances, Identities guests, SchemaCache cache,
                    SchemaReader reader, long maxResultBytes) {
        this.backend = backend;
        this.instances = instances;
        this.guests = guests;
        this.cache = cache;
        this.reader = reader;
        this.maxResultBytes = maxResultBytes;
    }

    /** A snapshot's schema, and whether it came from the cache. */
    record Read(Schema schema, boolean cached) {
    }

    Read schema(SnapshotRecord snap, String database) {
        Optional<Schema> kept = cache.get(snap, database);
        if (kept.isPresent()) {
            return new Read(kept.get(), true);
        }
        synchronized (reading.computeIfAbsent(snap.name() + "/" + database, k -> new Object())) {
            kept = cache.get(snap, database);
            if (kept.isPresent()) {
                return new Read(kept.get(), true);
            }
            Schema read = readPrivately(snap, database);
            cache.put(snap, database, read);
            return new Read(read, false);
        }
    }

    private Schema readPrivately(SnapshotRecord snap, String database) {
        long t0 = System.nanoTime();
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        VolumeId volume = VolumeId.staging("schema-" + id);
        OsUser guest = guests.allocate();
        InstanceSpec spec = InstanceSpec.staging(id, "schema-" + snap.source(), backend.path(volume), snap.version(),
                settings(snap.version()), guest).as(snap.superuser());
        boolean made = false;
        boolean ended = true; // nothing runs as the guest until its instance starts
        try {
            Path dir = backend.clone(VolumeId.snapshot(snap.source(), snap.tag()), volume);
            made = true;
            instances.give(dir, guest);
            ended = false;
            instances.start(spec);
            long t1 = System.nanoTime();
            Schema schema = instances.adminBounded(spec, database, 30, maxResultBytes,
                    c -> reader.read(c, null, "snapshot " + snap.name()));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            LogFields.of("snapshot", snap.name(), "source", snap.source(), "duration_ms", ms).info(LOG,
                    "read the schema of " + snap.name() + " (" + database + ", " + schema.size() + " objects) in " + ms
                            + " ms (copy and start " + (t1 - t0) / 1_000_000 + " ms)");
            return schema;
        } catch (SQLException e) {
            throw SchemaDiffs.readFailure(e, database, "snapshot " + snap.name());
        } finally {
            if (made) {
                try {
                    instances.remove(spec); // ends every process of the guest too
                    ended = true;
                } catch (RuntimeException e) {
                    LOG.warning("cannot stop the schema reader of " + snap.name() + ": " + e.getMessage());
                }
            }
            try {
                backend.destroy(volume);
            } catch (RuntimeException e) {
                LOG.warning("cannot remove " + volume + " (the next start removes it): " + e.getMessage());
            }
            if (ended) {
                guests.release(guest.uid());
            } // else kept from other use until kopid's next start ends what still runs as it
        }
    }

    /**
     * The copy is thrown away: no fsync. A snapshot taken of a clone holds what its holder made,
     * so on Postgres 17+, where login event triggers exist, none may run in kopid's sessions.
     */
    private static Map<String, String> settings(String version) {
        if (PgVersion.major(version) >= 17) {
            return Map.of("fsync", "off", "event_triggers", "off");
        }
        return Map.of("fsync", "off");
    }
}
