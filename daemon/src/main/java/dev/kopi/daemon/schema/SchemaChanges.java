package dev.kopi.daemon.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What differs between two schemas, object by object: added (in the second only), removed (in
 * the first only) and changed (in both, with another definition), each in {@link SchemaObject#ORDER}.
 */
public record SchemaChanges(List<Change> added, List<Change> removed, List<Change> changed) {
    /**
     * One object that differs.
     *
     * @param before its definition in the first schema; null when added
     * @param after  its definition in the second schema; null when removed
     */
    public record Change(String kind, String name, String before, String after) {
    }

    public SchemaChanges {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        changed = List.copyOf(changed);
    }

    /** From {@code before} (a snapshot's schema) to {@code after} (a clone's). */
    public static SchemaChanges between(Schema before, Schema after) {
        Map<String, SchemaObject> old = before.byKey();
        Map<String, SchemaObject> now = after.byKey();
        List<Change> added = new ArrayList<>();
        List<Change> removed = new ArrayList<>();
        List<Change> changed = new ArrayList<>();
        for (SchemaObject o : after.objects()) {
            SchemaObject was = old.get(o.key());
            if (was == null) {
                added.add(new Change(o.kind(), o.name(), null, o.definition()));
            } else if (!was.definition().equals(o.definition())) {
                changed.add(new Change(o.kind(), o.name(), was.definition(), o.definition()));
            }
        }
        for (SchemaObject o : before.objects()) {
            if (!now.containsKey(o.key())) {
                removed.add(new Change(o.kind(), o.name(), o.definition(), null));
            }
        }
        return new SchemaChanges(added, removed, changed);
    }

    /** Whether the schemas are equal. */
    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && changed.isEmpty();
    }

    /** Every change in the order the text shows them: by kind, then name, whatever happened to it. */
    public List<Change> all() {
        List<Change> all = new ArrayList<>(added);
        all.addAll(removed);
        all.addAll(changed);
        all.sort((a, b) -> a.kind().equals(b.kind()) ? a.name().compareTo(b.name()) : a.kind().compareTo(b.kind()));
        return all;
    }
}
