package dev.kopi.daemon.schema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The schema of one database: its objects in a stable order (kind, then name), one per key, so
 * two reads of an unchanged database are equal and render to the same text.
 */
public record Schema(List<SchemaObject> objects) {
    public Schema {
        List<SchemaObject> sorted = new ArrayList<>(objects);
        sorted.sort(SchemaObject.ORDER);
        // Two objects with one key (an overloaded name the queries did not tell apart) would make
        // the diff depend on row order; the later one is kept under a numbered key instead.
        Map<String, SchemaObject> byKey = new LinkedHashMap<>();
        for (SchemaObject o : sorted) {
            SchemaObject put = o;
            for (int n = 2; byKey.containsKey(put.key()); n++) {
                put = new SchemaObject(o.kind(), o.name() + " #" + n, o.definition());
            }
            byKey.put(put.key(), put);
        }
        objects = List.copyOf(byKey.values());
    }

    /** The objects by {@link SchemaObject#key()}, in order. */
    public Map<String, SchemaObject> byKey() {
        Map<String, SchemaObject> m = new LinkedHashMap<>();
        objects.forEach(o -> m.put(o.key(), o));
        return m;
    }

    /** How many objects. */
    public int size() {
        return objects.size();
    }
}
