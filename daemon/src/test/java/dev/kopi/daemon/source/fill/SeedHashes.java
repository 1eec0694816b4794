package dev.kopi.daemon.source.fill;

import dev.kopi.daemon.source.Source;

/** Opens {@link SeedFill#seedHash} to tests outside its package. */
public final class SeedHashes {
    private SeedHashes() {
    }

    public static String of(Source source, String version) {
        return SeedFill.seedHash(source, version);
    }
}
