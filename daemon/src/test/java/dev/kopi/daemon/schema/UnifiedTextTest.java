package dev.kopi.daemon.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class UnifiedTextTest {
    @Test
    void eachObjectIsASectionLikeAFileInGitDiff() {
        Schema before = new Schema(List.of(
                new SchemaObject("function", "public.total(integer)", "CREATE FUNCTION public.total(integer)\n"
                        + " RETURNS integer\n LANGUAGE sql\nAS $$ SELECT 1 $$"),
                new SchemaObject("index", "public.old_idx", "CREATE INDEX old_idx ON public.t USING btree (a)")));
        Schema after = new Schema(List.of(
                new SchemaObject("function", "public.total(integer)", "CREATE FUNCTION public.total(integer)\n"
                        + " RETURNS integer\n LANGUAGE sql\nAS $$ SELECT 2 $$"),
                new SchemaObject("column", "public.t.email", "public.t.email text")));
        UnifiedText.Rendered r = UnifiedText.render(SchemaChanges.between(before, after), 100_000);
        assertFalse(r.truncated());
        assertEquals("""
                --- /dev/null
                +++ b/column/public.t.email
                @@ -0,0 +1,1 @@
                +public.t.email text
                --- a/function/public.total(integer)
                +++ b/function/public.total(integer)
                @@ -1,4 +1,4 @@
                 CREATE FUNCTION public.total(integer)
                  RETURNS integer
                  LANGUAGE sql
                -AS $$ SELECT 1 $$
                +AS $$ SELECT 2 $$
                --- a/index/public.old_idx
                +++ /dev/null
                @@ -1,1 +0,0 @@
                -CREATE INDEX old_idx ON public.t USING btree (a)
                """, r.text());
    }

    @Test
    void controlCharactersOfTheHoldersTextAreShownAsQuestionMarks() {
        Schema after = new Schema(List.of(new SchemaObject("function", "public.\u001b[2Jx()",
                "AS $$ SELECT '\u001b]0;owned\u0007' $$\tend")));
        String text = UnifiedText.render(SchemaChanges.between(new Schema(List.of()), after), 100_000).text();
        assertFalse(text.chars().anyMatch(ch -> ch == 0x1b || ch == 0x07), text);
        assertTrue(text.contains("+AS $$ SELECT '?]0;owned?' $$\tend"), text);
        assertTrue(text.contains("b/function/public.?[2Jx()"), text);
    }

    @Test
    void aLargeDiffIsCutBetweenObjectsAndSaysSo() {
        List<SchemaObject> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(new SchemaObject("table", "public.t" + String.format("%03d", i), "CREATE TABLE public.t" + i));
        }
        UnifiedText.Rendered r = UnifiedText.render(SchemaChanges.between(new Schema(List.of()), new Schema(many)), 500);
        assertTrue(r.truncated());
        assertTrue(r.text().length() < 700, r.text());
        assertTrue(r.text().endsWith("more changed object(s) left out to keep the reply bounded; "
                + "'kopictl diff -o json' lists them all\n"), r.text());
    }

    @Test
    void aHugeChangedDefinitionIsShownWholeRatherThanDiffedLineByLine() {
        String a = "x\n".repeat(UnifiedText.MAX_DIFF_LINES);
        String b = "y\n".repeat(UnifiedText.MAX_DIFF_LINES);
        Schema before = new Schema(List.of(new SchemaObject("function", "public.f()", a)));
        Schema after = new Schema(List.of(new SchemaObject("function", "public.f()", b)));
        long t0 = System.nanoTime();
        String text = UnifiedText.render(SchemaChanges.between(before, after), 10_000_000).text();
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 5_000, "bounded work");
        assertTrue(text.startsWith("--- a/function/public.f()\n+++ b/function/public.f()\n@@ -1,20000 +1,20000 @@\n-x\n"),
                text.substring(0, 100));
    }
}
