package dev.kopi.daemon.core;

import java.util.Optional;

/**
 * How a snapshot is named: {@code SOURCE} (the newest snapshot of that source) or
 * {@code SOURCE@TAG} (exactly one snapshot). Parsed and validated once, at the edge; inside the
 * daemon a snapshot is referred to by this type, never by its text.
 */
public record SnapshotRef(String source, Optional<String> tag) {
    public SnapshotRef {
        Names.require("source", source);
        tag.ifPresent(Names::requireTag);
    }

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

    /** Exactly the snapshot {@code source@tag}. */
    public static SnapshotRef of(String source, String tag) {
        return new SnapshotRef(source, Optional.of(tag));
    }

    /** The newest snapshot of {@code source}. */
    public static SnapshotRef latestOf(String source) {
        return new SnapshotRef(source, Optional.empty());
    }

    public static String name(String source, String tag) {
        return source + "@" + tag;
    }

    public boolean exact() {
        return tag.isPresent();
    }

    /** Whether this names a snapshot of {@code source} (exactly or as its newest). */
    public boolean isOf(String source) {
        return this.source.equals(source);
    }

    @Override
    public String toString() {
        return tag.map(t -> source + "@" + t).orElse(source);
    }
}
