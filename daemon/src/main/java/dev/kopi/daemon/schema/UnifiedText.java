package dev.kopi.daemon.schema;

import java.util.ArrayList;
import java.util.List;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.Patch;

/**
 * Schema changes as a unified diff, one section per object like {@code git diff} has one per
 * file ({@code a/} the snapshot, {@code b/} the clone), so a CI job can post it as is and a
 * reviewer's tools color it. The line diff is java-diff-utils' (Myers); only the definitions of
 * changed objects go through it, one object at a time, so the work is bounded by the largest
 * definition, not by the schema.
 */
public final class UnifiedText {
    /** Above this many lines (both sides), a changed definition is shown as removed and added whole: Myers is O(N·D). */
    static final int MAX_DIFF_LINES = 20_000;
    private static final int CONTEXT = 3;

    private UnifiedText() {
    }

    /** The text, and whether it was cut to stay within its bound. */
    public record Rendered(String text, boolean truncated) {
    }

    /** Renders {@code changes}, at most about {@code maxChars} characters; "" when there are none. */
    public static Rendered render(SchemaChanges changes, int maxChars) {
        StringBuilder out = new StringBuilder();
        List<SchemaChanges.Change> all = changes.all();
        for (int i = 0; i < all.size(); i++) {
            List<String> section = section(all.get(i));
            int size = section.stream().mapToInt(l -> l.length() + 1).sum();
            if (out.length() + size > maxChars) {
                out.append("# ").append(all.size() - i).append(" more changed object(s) left out to keep the reply "
                        + "bounded; 'kopictl diff -o json' lists them all\n");
                return new Rendered(out.toString(), true);
            }
            section.forEach(l -> out.append(l).append('\n'));
        }
        return new Rendered(out.toString(), false);
    }

    private static List<String> section(SchemaChanges.Change c) {
        String label = c.kind() + "/" + printable(c.name());
        String from = c.before() == null ? "/dev/null" : "a/" + label;
        String to = c.after() == null ? "/dev/null" : "b/" + label;
        List<String> before = lines(c.before());
        List<String> after = lines(c.after());
        if (c.before() != null && c.after() != null && before.size() + after.size() <= MAX_DIFF_LINES) {
            Patch<String> patch = DiffUtils.diff(before, after);
            return UnifiedDiffUtils.generateUnifiedDiff(from, to, before, patch, CONTEXT);
        }
        // Added, removed, or too large to diff line by line: one hunk, every line out, every line in.
        List<String> out = new ArrayList<>(List.of("--- " + from, "+++ " + to,
                "@@ -" + range(before.size()) + " +" + range(after.size()) + " @@"));
        before.forEach(l -> out.add("-" + l));
        after.forEach(l -> out.add("+" + l));
        return out;
    }

    private static String range(int lines) {
        return lines == 0 ? "0,0" : "1," + lines;
    }

    private static List<String> lines(String definition) {
        if (definition == null) {
            return List.of();
        }
        return definition.lines().map(UnifiedText::printable).toList();
    }

    /**
     * A line with control characters shown as '?': definitions are the clone holder's text, and
     * the diff goes to terminals and CI logs.
     */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> b.appendCodePoint(cp != '\t' && (Character.getType(cp) == Character.CONTROL
                || cp == 0x2028 || cp == 0x2029) ? '?' : cp));
        return b.toString();
    }
}
