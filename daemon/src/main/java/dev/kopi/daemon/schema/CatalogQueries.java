package dev.kopi.daemon.schema;

import java.util.List;

/**
 * The catalog queries a schema is read with, one per family of objects. Each returns rows of
 * (kind, name, definition, acl): the acl as the object's aclitems, one per line, or null.
 *
 * <p>They run on instances whose holder may be hostile and superuser: every function, operator
 * target and relation is {@code pg_catalog.}-qualified, nothing user-defined is called (views are
 * printed by pg_get_viewdef, never queried), and each definition is cut at
 * {@link #MAX_DEFINITION} characters on the server, before it travels. Objects in pg_catalog,
 * information_schema and the toast and temporary schemas are left out, and so are an
 * extension's members: the extension (with its version) stands for them.
 */
final class CatalogQueries {
    /** The longest definition read; longer ones are cut (and then differ only if their start does). */
    static final int MAX_DEFINITION = 256 * 1024;

    private CatalogQueries() {
    }

    /** Not a system schema (which every database has, and no migration changes). */
    private static String userSchema(String n) {
        return n + ".nspname OPERATOR(pg_catalog.<>) 'information_schema' AND " + n
                + ".nspname NOT LIKE 'pg\\_%'";
    }

    /** Not a member of an extension; {@code classOid} is the catalog's (pg_class 1259, pg_proc 1255, ...). */
    private static String notExtensionMember(int classOid, String oid) {
        return "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid OPERATOR(pg_catalog.=) " + classOid
                + " AND d.objid OPERATOR(pg_catalog.=) " + oid + " AND d.deptype OPERATOR(pg_catalog.=) 'e')";
    }

    private static String cut(String definition) {
        return "pg_catalog.left(" + definition + ", " + MAX_DEFINITION + ")";
    }

    private static String qualified(String n, String name) {
        return "pg_catalog.quote_ident(" + n + ".nspname) || '.' || pg_catalog.quote_ident(" + name + ")";
    }

    private static String acl(String column) {
        return "pg_catalog.array_to_string(" + column + ", E'\\n')";
    }

    /** The queries for a server of {@code versionNum} (server_version_num: 150004 for 15.4). */
    static List<String> all(int versionNum) {
        String rel = qualified("n", "c.relname");
        String prokind = versionNum >= 110000 ? "p.prokind"
                : "CASE WHEN p.proisagg THEN 'a' WHEN p.proiswindow THEN 'w' ELSE 'f' END";
        String generated = versionNum >= 120000 ? "a.attgenerated OPERATOR(pg_catalog.=) 's'" : "false";
        return List.of(
                "SELECT 'schema', pg_catalog.quote_ident(n.nspname), 'CREATE SCHEMA ' || pg_catalog.quote_ident(n.nspname), "
                        + acl("n.nspacl") + " FROM pg_catalog.pg_namespace n WHERE " + userSchema("n") + " AND "
                        + notExtensionMember(2615, "n.oid"),
                "SELECT 'extension', pg_catalog.quote_ident(e.extname), 'CREATE EXTENSION ' || pg_catalog.quote_ident(e.extname)"
                        + " || ' WITH SCHEMA ' || pg_catalog.quote_ident(n.nspname) || ' VERSION ' || "
                        + "pg_catalog.quote_literal(e.extversion), NULL FROM pg_catalog.pg_extension e "
                        + "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace",
                "SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' "
                        + "WHEN 'f' THEN 'foreign table' ELSE 'table' END, " + rel + ", " + cut("CASE "
                        + "WHEN c.relkind IN ('v', 'm') THEN 'CREATE ' || CASE c.relkind WHEN 'm' THEN 'MATERIALIZED ' "
                        + "ELSE '' END || 'VIEW ' || " + rel + " || E' AS\\n' || pg_catalog.pg_get_viewdef(c.oid, true) "
                        + "WHEN c.relkind OPERATOR(pg_catalog.=) 'S' THEN (SELECT 'CREATE SEQUENCE ' || " + rel
                        + " || ' AS ' || pg_catalog.format_type(s.seqtypid, NULL) || ' INCREMENT BY ' || s.seqincrement"
                        + " || ' MINVALUE ' || s.seqmin || ' MAXVALUE ' || s.seqmax || ' START WITH ' || s.seqstart"
                        + " || ' CACHE ' || s.seqcache || CASE WHEN s.seqcycle THEN ' CYCLE' ELSE ' NO CYCLE' END"
                        + " FROM pg_catalog.pg_sequence s WHERE s.seqrelid OPERATOR(pg_catalog.=) c.oid) "
                        + "ELSE 'CREATE ' || CASE c.relpersistence WHEN 'u' THEN 'UNLOGGED ' ELSE '' END"
                        + " || CASE c.relkind WHEN 'f' THEN 'FOREIGN ' ELSE '' END || 'TABLE ' || " + rel
                        + " || CASE WHEN c.relispartition THEN COALESCE((SELECT ' PARTITION OF ' || "
                        + qualified("pn", "pc.relname") + " FROM pg_catalog.pg_inherits i "
                        + "JOIN pg_catalog.pg_class pc ON pc.oid OPERATOR(pg_catalog.=) i.inhparent "
                        + "JOIN pg_catalog.pg_namespace pn ON pn.oid OPERATOR(pg_catalog.=) pc.relnamespace "
                        + "WHERE i.inhrelid OPERATOR(pg_catalog.=) c.oid LIMIT 1), '') || ' ' || "
                        + "COALESCE(pg_catalog.pg_get_expr(c.relpartbound, c.oid), '') ELSE '' END"
                        + " || CASE WHEN c.relkind OPERATOR(pg_catalog.=) 'p' THEN ' PARTITION BY ' || "
                        + "COALESCE(pg_catalog.pg_get_partkeydef(c.oid), '') ELSE '' END"
                        + " || CASE WHEN c.relrowsecurity THEN E'\\nROW LEVEL SECURITY' ELSE '' END END") + ", "
                        + acl("c.relacl") + " FROM pg_catalog.pg_class c "
                        + "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
                        + "WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S') AND " + userSchema("n") + " AND "
                        + notExtensionMember(1259, "c.oid"),
                "SELECT 'column', " + rel + " || '.' || pg_catalog.quote_ident(a.attname), " + cut(rel + " || '.' || "
                        + "pg_catalog.quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)"
                        + " || CASE WHEN a.attcollation OPERATOR(pg_catalog.<>) t.typcollation AND a.attcollation "
                        + "OPERATOR(pg_catalog.<>) 0 THEN COALESCE((SELECT ' COLLATE ' || " + qualified("cn", "co.collname")
                        + " FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid "
                        + "OPERATOR(pg_catalog.=) co.collnamespace WHERE co.oid OPERATOR(pg_catalog.=) a.attcollation), '')"
                        + " ELSE '' END || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END"
                        + " || CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY' WHEN 'd' THEN "
                        + "' GENERATED BY DEFAULT AS IDENTITY' ELSE '' END || COALESCE((SELECT CASE WHEN " + generated
                        + " THEN ' GENERATED ALWAYS AS (' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) || ') STORED' "
                        + "ELSE ' DEFAULT ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) END FROM pg_catalog.pg_attrdef d "
                        + "WHERE d.adrelid OPERATOR(pg_catalog.=) a.attrelid AND d.adnum OPERATOR(pg_catalog.=) a.attnum), '')")
                        + ", " + acl("a.attacl") + " FROM pg_catalog.pg_attribute a "
                        + "JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) a.attrelid "
                        + "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
                        + "JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid "
                        + "WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped AND "
                        + userSchema("n") + " AND " + notExtensionMember(1259, "c.oid"),
                // NOT NULL constraints (PostgreSQL 18) are shown with their column.
                "SELECT 'constraint', " + rel + " || '.' || pg_catalog.quote_ident(co.conname), " + cut("'ALTER TABLE ' || "
                        + rel + " || ' ADD CONSTRAINT ' || pg_catalog.quote_ident(co.conname) || ' ' || "
                        + "pg_catalog.pg_get_constraintdef(co.oid, true)") + ", NULL FROM pg_catalog.pg_constraint co "
                        + "JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) co.conrelid "
                        + "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
                        + "WHERE co.contype OPERATOR(pg_catalog.<>) 'n' AND " + userSchema("n") + " AND "
                        + notExtensionMember(1259, "c.oid"),
                // An index made by a primary key, unique or exclusion constraint is shown as that constraint.
                "SELECT 'index', " + rel + ", " + cut("pg_catalog.pg_get_indexdef(c.oid)") + ", NULL "
                        + "FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) x.indexrelid "
                        + "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace WHERE "
                        + userSchema("n") + " AND " + notExtensionMember(1259, "c.oid") + " AND NOT EXISTS (SELECT 1 FROM "
                        + "pg_catalog.pg_constraint co WHERE co.conindid OPERATOR(pg_catalog.=) c.oid AND co.contype IN "
                        + "('p', 'u', 'x') AND co.conrelid OPERATOR(pg_catalog.=) x.indrelid)",
                "SELECT CASE " + prokind + " WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END, "
                        + qualified("n", "p.proname") + " || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid)"
                        + " || ')', " + cut("CASE WHEN " + prokind + " OPERATOR(pg_catalog.=) 'a' THEN "
                        + "'CREATE AGGREGATE ' || " + qualified("n", "p.proname") + " || '(' || "
                        + "pg_catalog.pg_get_function_identity_arguments(p.oid) || ') RETURNS ' || "
                        + "pg_catalog.format_type(p.prorettype, NULL) ELSE pg_catalog.pg_get_functiondef(p.oid) END")
                        + ", " + acl("p.proacl") + " FROM pg_catalog.pg_proc p "
                        + "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace WHERE "
                        + userSchema("n") + " AND " + notExtensionMember(1255, "p.oid"),
                "SELECT 'trigger', " + rel + " || '.' || pg_catalog.quote_ident(g.tgname), "
                        + cut("pg_catalog.pg_get_triggerdef(g.oid, true) || CASE g.tgenabled WHEN 'D' THEN ' (disabled)'"
                        + " WHEN 'R' THEN ' (enabled on replica only)' WHEN 'A' THEN ' (enabled always)' ELSE '' END")
                        + ", NULL FROM pg_catalog.pg_trigger g JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) "
                        + "g.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
                        + "WHERE NOT g.tgisinternal AND " + userSchema("n") + " AND " + notExtensionMember(1259, "c.oid"),
                "SELECT 'event trigger', pg_catalog.quote_ident(e.evtname), " + cut("'CREATE EVENT TRIGGER ' || "
                        + "pg_catalog.quote_ident(e.evtname) || ' ON ' || e.evtevent || COALESCE(' WHEN TAG IN (' || "
                        + "pg_catalog.array_to_string(e.evttags, ', ') || ')', '') || ' EXECUTE FUNCTION ' || "
                        + "e.evtfoid::pg_catalog.regprocedure::pg_catalog.text || CASE e.evtenabled WHEN 'D' THEN "
                        + "' (disabled)' ELSE '' END") + ", NULL FROM pg_catalog.pg_event_trigger e WHERE "
                        + notExtensionMember(3466, "e.oid"),
                types());
    }

    /** Enums, domains, ranges, standalone composite types and base types; not arrays, table rows or multiranges. */
    private static String types() {
        String q = qualified("n", "t.typname");
        return "SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, " + q + ", " + cut("CASE t.typtype "
                + "WHEN 'e' THEN 'CREATE TYPE ' || " + q + " || ' AS ENUM (' || COALESCE((SELECT pg_catalog.string_agg("
                + "pg_catalog.quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e "
                + "WHERE e.enumtypid OPERATOR(pg_catalog.=) t.oid), '') || ')' "
                + "WHEN 'd' THEN 'CREATE DOMAIN ' || " + q + " || ' AS ' || pg_catalog.format_type(t.typbasetype, "
                + "t.typtypmod) || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END || COALESCE(' DEFAULT ' || "
                + "t.typdefault, '') || COALESCE((SELECT pg_catalog.string_agg(' CONSTRAINT ' || "
                + "pg_catalog.quote_ident(co.conname) || ' ' || pg_catalog.pg_get_constraintdef(co.oid, true), '' "
                + "ORDER BY co.conname) FROM pg_catalog.pg_constraint co WHERE co.contypid OPERATOR(pg_catalog.=) t.oid), '') "
                + "WHEN 'r' THEN 'CREATE TYPE ' || " + q + " || ' AS RANGE (SUBTYPE = ' || COALESCE((SELECT "
                + "pg_catalog.format_type(r.rngsubtype, NULL) FROM pg_catalog.pg_range r WHERE r.rngtypid "
                + "OPERATOR(pg_catalog.=) t.oid), '') || ')' "
                + "WHEN 'c' THEN 'CREATE TYPE ' || " + q + " || ' AS (' || COALESCE((SELECT pg_catalog.string_agg("
                + "pg_catalog.quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' "
                + "ORDER BY a.attnum) FROM pg_catalog.pg_attribute a WHERE a.attrelid OPERATOR(pg_catalog.=) t.typrelid "
                + "AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped), '') || ')' "
                + "ELSE 'CREATE TYPE ' || " + q + " END") + ", " + acl("t.typacl") + " FROM pg_catalog.pg_type t "
                + "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) t.typnamespace WHERE "
                + userSchema("n") + " AND " + notExtensionMember(1247, "t.oid") + " AND t.typtype IN ('b', 'c', 'd', 'e', 'r')"
                + " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type el WHERE el.typarray OPERATOR(pg_catalog.=) t.oid)"
                + " AND (t.typtype OPERATOR(pg_catalog.<>) 'c' OR EXISTS (SELECT 1 FROM pg_catalog.pg_class tc WHERE "
                + "tc.oid OPERATOR(pg_catalog.=) t.typrelid AND tc.relkind OPERATOR(pg_catalog.=) 'c'))";
    }
}
