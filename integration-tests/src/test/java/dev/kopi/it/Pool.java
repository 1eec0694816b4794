package dev.kopi.it;

import java.nio.file.Path;

/** A real copy-on-write pool made from files for one test class, and oracles to inspect it. */
interface Pool extends AutoCloseable {
    /** "btrfs" or "zfs". */
    String backend();

    /** The pool: section for kopid's config. */
    String yaml();

    /** Directory where volume VOLUME (e.g. "clones/alice") is mounted. */
    Path path(String volume);

    /** Whether VOLUME exists, asked of the filesystem itself (btrfs / zfs commands). */
    boolean exists(String volume);

    /** Every Kopi volume (staging/X, snapshots/S/T, clones/X) as the filesystem lists them. */
    java.util.Set<String> volumes();

    /** Creates a volume behind kopid's back (to simulate debris of an interrupted operation). */
    void createBehindKopisBack(String volume);

    /** Leaves only about {@code freeBytes} free for kopid. */
    void fill(long freeBytes);

    /** Undoes {@link #fill}. */
    void unfill();

    /** Makes a volume outside Kopi's area on the same filesystem/pool, for an on-pool source. */
    Path createExternalVolume(String name);

    @Override
    void close();
}
