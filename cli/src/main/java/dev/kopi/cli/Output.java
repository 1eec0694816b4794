package dev.kopi.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** Tables for people, JSON for machines. */
final class Output {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Output() {
    }

    static void json(PrintWriter out, Object value) {
        try {
            out.println(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new CliException("cannot format JSON: " + e.getMessage());
        }
    }

    /** Left-aligned columns, two spaces apart, header in capitals. */
    static void table(PrintWriter out, List<String> header, List<List<String>> rows) {
        int[] w = new int[header.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(header.stream().map(h -> h.toUpperCase(Locale.ROOT)).toList());
        for (List<String> r : rows) {
            all.add(r.stream().map(Output::cell).toList());
        }
        for (List<String> r : all) {
            for (int i = 0; i < w.length; i++) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        for (List<String> r : all) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < w.length; i++) {
                String cell = r.get(i);
                b.append(cell);
                if (i < w.length - 1) {
                    b.append(" ".repeat(w[i] - cell.length() + 2));
                }
            }
            out.println(b.toString().stripTrailing());
        }
    }

    /** A table cell on one line, with no control characters (which could drive the terminal). */
    static String cell(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> b.appendCodePoint(Character.getType(cp) == Character.CONTROL
                || cp == 0x2028 || cp == 0x2029 ? '?' : cp));
        return b.toString();
    }

    /** 1536 -> "1.5 KiB". */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        // 1023.96 KiB would print as "1024.0 KiB": step up once rounding would reach 1024.
        while (v >= 1023.95 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }

    /** 2026-11-23T02:00:00.123Z -> "2026-11-23 02:00:00Z". */
    static String time(String rfc3339) {
        if (rfc3339 == null || rfc3339.length() < 19) {
            return rfc3339 == null ? "" : rfc3339;
        }
        return rfc3339.substring(0, 10) + " " + rfc3339.substring(11, 19) + "Z";
    }

    static String millis(long ms) {
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        return (ms / 60_000) + " min " + (ms % 60_000) / 1000 + " s";
    }
}
