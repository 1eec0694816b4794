package dev.kopi.daemon.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class SchemaChangesTest {
    private static final SchemaObject ORDERS = new SchemaObject("table", "public.orders", "CREATE TABLE public.orders");
    private static final SchemaObject AMOUNT = new SchemaObject("column", "public.orders.amount",
            "public.orders.amount numeric(10,2) NOT NULL");

    @Test
    void equalSchemasHaveNoChangesWhateverTheOrderTheyWereReadIn() {
        Schema a = new Schema(List.of(ORDERS, AMOUNT));
        Schema b = new Schema(List.of(AMOUNT, ORDERS));
        assertEquals(a, b);
        assertTrue(SchemaChanges.between(a, b).isEmpty());
        assertEquals("", UnifiedText.render(SchemaChanges.between(a, b), 1000).text());
    }

    @Test
    void addedRemovedAndChangedAreToldApartByKindAndName() {
        SchemaObject note = new SchemaObject("column", "public.orders.note", "public.orders.note text");
        SchemaObject idx = new SchemaObject("index", "public.orders_amount_idx",
                "CREATE INDEX orders_amount_idx ON public.orders USING btree (amount)");
        SchemaObject wider = new SchemaObject("column", "public.orders.amount", "public.orders.amount numeric(12,2) NOT NULL");
        // A view and a table of one name are different objects.
        SchemaObject view = new SchemaObject("view", "public.orders", "CREATE VIEW public.orders AS SELECT 1");
        SchemaChanges c = SchemaChanges.between(new Schema(List.of(ORDERS, AMOUNT, idx)),
                new Schema(List.of(view, wider, note)));
        assertEquals(List.of("column public.orders.note", "view public.orders"), keys(c.added()));
        assertEquals(List.of("index public.orders_amount_idx", "table public.orders"), keys(c.removed()));
        assertEquals(List.of("column public.orders.amount"), keys(c.changed()));
        assertEquals(AMOUNT.definition(), c.changed().get(0).before());
        assertEquals(wider.definition(), c.changed().get(0).after());
        assertEquals(null, c.added().get(0).before());
        assertEquals(null, c.removed().get(0).after());
        assertFalse(c.isEmpty());
    }

    @Test
    void objectsOfOneKeyAreKeptApartInAStableWay() {
        SchemaObject a = new SchemaObject("function", "public.f()", "A");
        SchemaObject b = new SchemaObject("function", "public.f()", "B");
        Schema s = new Schema(List.of(a, b));
        assertEquals(2, s.size());
        assertEquals(List.of("function public.f()", "function public.f() #2"), List.copyOf(s.byKey().keySet()));
    }

    @Test
    void definitionsPastTheReplysBoundAreLeftOutButEveryChangeIsListed() {
        SchemaObject big = new SchemaObject("function", "public.big()", "x".repeat(100));
        SchemaObject small = new SchemaObject("function", "public.small()", "y".repeat(10));
        SchemaChanges all = SchemaChanges.between(new Schema(List.of()), new Schema(List.of(big, small)));
        SchemaChanges bounded = SchemaDiffs.withinChars(all, 50, 100);
        assertEquals(2, bounded.added().size());
        assertEquals("", bounded.added().get(0).after(), "over the bound: left out");
        assertEquals("", bounded.added().get(1).after(), "after one is left out, later ones are too");
        assertEquals(all, SchemaDiffs.withinChars(all, 1000, 100));
        assertEquals(List.of("function public.big()"), keys(SchemaDiffs.withinChars(all, 1000, 1).added()));
    }

    @Test
    void grantsAreSortedAndTheClonesOwnRoleIsNamedTheSameInEveryClone() {
        String acl = "kopi_ab12=arwdDxt/kopi_ab12\napp_ro=r/kopi_ab12\n=r/postgres";
        assertEquals("$clone=arwdDxt/$clone\n=r/postgres\napp_ro=r/$clone", SchemaReader.grants(acl, "kopi_ab12"));
        assertEquals("=r/postgres\napp_ro=r/x\nx=r/x", SchemaReader.grants("x=r/x\napp_ro=r/x\n=r/postgres", null));
    }

    private static List<String> keys(List<SchemaChanges.Change> changes) {
        return changes.stream().map(c -> c.kind() + " " + c.name()).toList();
    }
}
