package dev.kopi.client;

import java.util.List;

/**
 * What a clone changed in the schema of one database against a snapshot, as
 * {@link KopiClient#diff(String)} returns it.
 *
 * @param cloneName     the clone
 * @param against       the exact snapshot compared with ({@code SOURCE@TAG})
 * @param database      the database compared
 * @param added         objects in the clone only
 * @param removed       objects in the snapshot only
 * @param changed       objects in both, with another definition
 * @param text          the same as a unified diff (a/ the snapshot, b/ the clone); empty when equal
 * @param truncated     whether definitions or text were left out to keep kopid's reply bounded
 * @param objectsBefore schema objects in the snapshot
 * @param objectsAfter  schema objects in the clone
 * @param tookMs        kopid's time for the diff
 */
public record SchemaDiff(String cloneName, String against, String database, List<Change> added, List<Change> removed,
                         List<Change> changed, String text, boolean truncated, int objectsBefore, int objectsAfter,
                         long tookMs) {
    /**
     * One schema object that differs.
     *
     * @param kind   "table", "column", "index", "function", ...
     * @param name   schema-qualified, e.g. {@code public.orders.amount} for a column
     * @param before its definition in the snapshot; null when added (or left out)
     * @param after  its definition in the clone; null when removed (or left out)
     */
    public record Change(String kind, String name, String before, String after) {
    }

    /** Whether the clone's schema is the snapshot's. */
    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && changed.isEmpty();
    }

    static SchemaDiff of(dev.kopi.proto.v1.SchemaDiff d) {
        return new SchemaDiff(d.getClone(), d.getAgainst(), d.getDatabase(), changes(d.getAddedList()),
                changes(d.getRemovedList()), changes(d.getChangedList()), d.getText(), d.getTruncated(),
                d.getObjectsBefore(), d.getObjectsAfter(), d.getTookMs());
    }

    private static List<Change> changes(List<dev.kopi.proto.v1.SchemaChange> list) {
        return list.stream().map(c -> new Change(c.getKind(), c.getName(), c.getBefore().isEmpty() ? null : c.getBefore(),
                c.getAfter().isEmpty() ? null : c.getAfter())).toList();
    }
}
