package dev.kopi.daemon.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.kopi.daemon.catalog.CatalogStore;
import dev.kopi.daemon.storage.StorageBackend;

/**
 * What {@code /healthz} answers: healthy while the pool is mounted and the catalog can be read,
 * the two things every request needs. kopid keeps the catalog in memory, so the file is read
 * back from disk here: a catalog that was lost, or made unreadable, shows before a write fails.
 */
public final class Health {
    private final StorageBackend backend;
    private final CatalogStore catalog;

    public Health(StorageBackend backend, CatalogStore catalog) {
        this.backend = backend;
        this.catalog = catalog;
    }

    /** Why kopid cannot serve now, one reason per failing part; empty when healthy. */
    public Optional<String> problem() {
        List<String> problems = new ArrayList<>();
        try {
            backend.problem().ifPresent(problems::add);
        } catch (RuntimeException e) {
            problems.add("pool " + backend.location() + " cannot be checked: " + e.getMessage());
        }
        try {
            catalog.load();
        } catch (RuntimeException e) {
            problems.add(e.getMessage() == null ? "catalog " + catalog.file() + " cannot be read" : e.getMessage());
        }
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }
}
