package dev.kopi.daemon.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.CatalogStore;
import dev.kopi.daemon.catalog.CatalogState;
import dev.kopi.daemon.storage.FakeStorageBackend;

/** /healthz's verdict: the pool mounted and the catalog readable, else each reason. */
class HealthTest {
    @TempDir
    Path tmp;

    @Test
    void healthyWithAMountedPoolAndAReadableCatalog() {
        CatalogStore store = new CatalogStore(tmp.resolve("catalog.json"));
        store.save(CatalogState.empty());
        assertEquals(Optional.empty(), new Health(new FakeStorageBackend(tmp.resolve("pool")), store).problem());
    }

    @Test
    void anUnmountedPoolIsTheReason() {
        FakeStorageBackend pool = new FakeStorageBackend(tmp.resolve("pool"));
        pool.unmount();
        String why = new Health(pool, new CatalogStore(tmp.resolve("catalog.json"))).problem().orElseThrow();
        assertTrue(why.contains("is not mounted"), why);
    }

    @Test
    void aCatalogThatCannotBeReadIsTheReasonAndBothAreGiven() throws Exception {
        Path file = tmp.resolve("catalog.json");
        Files.writeString(file, "{ torn");
        FakeStorageBackend pool = new FakeStorageBackend(tmp.resolve("pool"));
        String why = new Health(pool, new CatalogStore(file)).problem().orElseThrow();
        assertTrue(why.startsWith("cannot read catalog " + file), why);

        pool.unmount();
        String both = new Health(pool, new CatalogStore(file)).problem().orElseThrow();
        assertTrue(both.contains("is not mounted; cannot read catalog"), both);
    }
}
