package dev.kopi.daemon;

import java.util.Optional;

/**
 * How a user names a snapshot: {@code SOURCE} (the newest snapshot of that source) or
 * {@code SOURCE@TAG} (exactly one snapshot).
 */
public record SnapshotRef(String source, Optional<String> tag) {
    public static SnapshotRef parse(String text) {
        if (text == null || text.isEmpty()) {
            throw KopiException.invalid("snapshot is empty: give SOURCE or SOURCE@TAG");
        }
        int at = text.indexOf('@');
        if (at < 0) {
            return new SnapshotRef(Names.require("source", text), Optional.empty());
        }
        String source = Names.require("source", text.substring(0, at));
        return new SnapshotRef(source, Optional.of(Names.requireTag(text.substring(at + 1))));
    }

    public static String name(String source, String tag) {
        return source + "@" + tag;
    }

    public boolean exact() {
        return tag.isPresent();
    }

    @Override
    public String toString() {
        return tag.map(t -> source + "@" + t).orElse(source);
    }
}
