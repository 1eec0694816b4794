package dev.kopi.daemon.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import dev.kopi.daemon.core.SnapshotRef;

/**
 * The persistent records of sources, snapshots, clones and refresh outcomes. Every change is
 * written through to the {@link CatalogStore} before it is visible; if the write fails the change
 * is undone. Thread-safe.
 */
public final class Catalog {

    private final CatalogStore store;
    private CatalogState state;

    public Catalog(CatalogStore store) {
        this.store = store;
        this.state = store.load();
    }

    public synchronized List<SourceRecord> sources() {
        return List.copyOf(state.sources().values());
    }

    public synchronized Optional<SourceRecord> source(String name) {
        return Optional.ofNullable(state.sources().get(name));
    }

    public synchronized List<SnapshotRecord> snapshots() {
        return List.copyOf(state.snapshots().values());
    }

    /** The snapshot {@code ref} names exactly; empty for a ref that is not exact. */
    public synchronized Optional<SnapshotRecord> snapshot(SnapshotRef ref) {
        return ref.exact() ? Optional.ofNullable(state.snapshots().get(ref.toString())) : Optional.empty();
    }

    public synchronized List<CloneRecord> clones() {
        return List.copyOf(state.clones().values());
    }

    public synchronized Optional<CloneRecord> clone(String name) {
        return Optional.ofNullable(state.clones().get(name));
    }

    public synchronized Optional<RefreshRecord> refresh(String source) {
        return Optional.ofNullable(state.refreshes().get(source));
    }

    public void putSource(SourceRecord r) {
        change(s -> s.sources().put(r.name(), r));
    }

    public void removeSource(String name) {
        change(s -> {
            s.sources().remove(name);
            s.refreshes().remove(name);
        });
    }

    public void putSnapshot(SnapshotRecord r) {
        change(s -> s.snapshots().put(r.name(), r));
    }

    public void removeSnapshot(SnapshotRef ref) {
        change(s -> s.snapshots().remove(ref.toString()));
    }

    public void putClone(CloneRecord r) {
        change(s -> s.clones().put(r.name(), r));
    }

    /**
     * Replaces the record {@code oldName} by {@code r} (another name) in one write: a warm clone
     * handed out. Durable before the caller gets the clone, so a kopid that dies right after the
     * reply still knows whose it is.
     */
    public void renameClone(String oldName, CloneRecord r) {
        change(s -> {
            s.clones().remove(oldName);
            s.clones().put(r.name(), r);
        });
    }

    public void removeClone(String name) {
        change(s -> s.clones().remove(name));
    }

    public void putRefresh(RefreshRecord r) {
        change(s -> s.refreshes().put(r.source(), r));
    }

    /** Applies several removals at once (reconcile), with a single write. */
    public void removeAll(List<SnapshotRef> snapshots, List<String> cloneNames) {
        change(s -> {
            snapshots.forEach(r -> s.snapshots().remove(r.toString()));
            cloneNames.forEach(s.clones()::remove);
        });
    }

    private synchronized void change(Consumer<CatalogState> mutation) {
        CatalogState next = state.normalized(); // a copy
        mutation.accept(next);
        store.save(next);
        state = next;
    }

    /** For diagnostics and tests. */
    public synchronized Map<String, Integer> counts() {
        return Map.of("sources", state.sources().size(), "snapshots", state.snapshots().size(),
                "clones", state.clones().size());
    }

    /** The clones (warm ones not included) made from {@code snapshot}. */
    public synchronized List<String> cloneNamesOf(SnapshotRef snapshot) {
        List<String> out = new ArrayList<>();
        for (CloneRecord c : state.clones().values()) {
            if (c.snapshot().equals(snapshot) && !c.warm()) {
                out.add(c.name());
            }
        }
        return out;
    }
}
