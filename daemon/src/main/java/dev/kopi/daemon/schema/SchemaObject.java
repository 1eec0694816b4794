package dev.kopi.daemon.schema;

import java.util.Comparator;

/**
 * One object of a database's schema as kopid compares it: what kind it is, its schema-qualified
 * name (the key, with its kind), and a canonical text of its definition, as Postgres itself
 * prints it (pg_get_indexdef, pg_get_functiondef, ...), so equal objects have equal text.
 *
 * @param kind       "table", "column", "index", ... ({@link CatalogQueries} lists them)
 * @param name       schema-qualified, identifiers quoted as Postgres quotes them
 * @param definition the canonical definition
 */
public record SchemaObject(String kind, String name, String definition) {
    /** The order of every list kopid shows: by kind, then name. */
    public static final Comparator<SchemaObject> ORDER = Comparator.comparing(SchemaObject::kind)
            .thenComparing(SchemaObject::name);

    /** What identifies the object: its kind and name. */
    public String key() {
        return kind + " " + name;
    }
}
