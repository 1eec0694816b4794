package dev.kopi.daemon.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.clone.ClonePolicy;
import dev.kopi.daemon.core.DaemonThreads;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.InstanceSpec;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.daemon.testing.CloneFixture;

/** The snapshot side's private copy: made, started as a staging instance, and gone afterwards, whatever happened. */
class SnapshotSchemasTest {
    @TempDir
    Path tmp;

    @Test
    void aFailedReadLeavesNoInstanceOrVolumeAndCachesNothing() throws Exception {
        CloneFixture f = new CloneFixture(tmp, ClonePolicy.DEFAULTS, CloneFixture.Kind.FAKE);
        SnapshotRecord snap = f.publish("prod", "20261124T020000Z", "2026-11-24T02:00:00Z");
        SchemaCache cache = new SchemaCache(tmp.resolve("schema-cache"));
        SnapshotSchemas schemas = new SnapshotSchemas(f.backend, f.instances, f.identities,
                cache, new SchemaReader(SchemaReader.Limits.DEFAULT, DaemonThreads.timer("test-watchdog")), 1 << 20);
        List<VolumeId> before = f.backend.list();

        // The fake instance speaks no SQL: the read fails after the copy was made and started.
        KopiException e = assertThrows(KopiException.class, () -> schemas.schema(snap, "app"));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().startsWith("cannot read the schema of snapshot prod@20261124T020000Z"), e.getMessage());

        List<InstanceSpec> started = f.fake.started();
        assertEquals(1, started.size());
        InstanceSpec spec = started.get(0);
        assertEquals(InstanceSpec.Kind.STAGING, spec.kind(), "Unix socket only: no holder reaches it");
        assertEquals("postgres", spec.superuser());
        // What a holder planted in a snapshot of their clone runs as a throwaway identity, not postgres.user
        assertTrue(spec.user() != null && spec.user().bare() && f.identities.inRange(spec.user().uid()), "a guest: "
                + spec.user());
        assertTrue(f.fake.endedUids().contains(spec.user().uid()), "its processes ended with the copy");
        assertTrue(f.fake.pid(spec.dataDir()).isEmpty(), "stopped");
        assertEquals(before, f.backend.list(), "the private copy is gone");
        assertTrue(f.backend.destroyed().stream().anyMatch(v -> v.kind() == VolumeId.Kind.STAGING));
        assertTrue(cache.get(snap, "app").isEmpty());
    }

    @Test
    void aCopyThatDoesNotStartIsRemovedToo() throws Exception {
        CloneFixture f = new CloneFixture(tmp, ClonePolicy.DEFAULTS, CloneFixture.Kind.FAKE);
        SnapshotRecord snap = f.publish("prod", "20261124T020000Z", "2026-11-24T02:00:00Z");
        SnapshotSchemas schemas = new SnapshotSchemas(f.backend, f.instances, f.identities,
                new SchemaCache(tmp.resolve("schema-cache")), new SchemaReader(SchemaReader.Limits.DEFAULT,
                DaemonThreads.timer("test-watchdog")), 1 << 20);
        List<VolumeId> before = f.backend.list();
        f.fake.failNextStart(KopiException.internal("postgres did not start", null));
        KopiException e = assertThrows(KopiException.class, () -> schemas.schema(snap, "app"));
        assertEquals("postgres did not start", e.getMessage());
        assertEquals(before, f.backend.list(), "the private copy is gone");
    }
}
