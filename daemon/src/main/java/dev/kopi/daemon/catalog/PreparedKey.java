package dev.kopi.daemon.catalog;

import java.util.regex.Pattern;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Names;

/**
 * What a prepared snapshot was built for: a key the client chose (a hash of its migration
 * scripts, say) and the scope it is shared in. The scope is {@link #ADMINS} for snapshots built
 * by admins, else the token name of the user who built it: a user's build is given back only to
 * that user, so no user can plant data under a key that others (or admins) will trust.
 *
 * @param key   lower-case letters and digits, 6 to 40 of them
 * @param scope {@link #ADMINS} or a user's name
 */
public record PreparedKey(String key, String scope) {
    /** The scope of snapshots prepared by admins (the Unix socket, admin tokens), shared by all admins. */
    public static final String ADMINS = "admins";
    private static final Pattern KEY = Pattern.compile("[a-z0-9]{6,40}");

    public PreparedKey {
        if (key == null || !KEY.matcher(key).matches()) {
            throw KopiException.invalid("prepared snapshot key '" + Names.printable(key == null ? "" : key)
                    + "' is not valid: use 6-40 characters from a-z and 0-9 (a hex digest, say)");
        }
        if (scope == null || scope.isEmpty()) {
            throw new IllegalArgumentException("a prepared key needs a scope");
        }
    }

    /**
     * The name of the snapshot line prepared from snapshots of {@code base} under this key:
     * BASE.KEY, refused when longer than a name may be.
     */
    public String lineOf(String base) {
        String name = base + "." + key;
        if (name.length() > 63) {
            throw KopiException.invalid("'" + name + "' is too long for a snapshot name (63 characters): use a "
                    + "shorter key for base " + base);
        }
        return Names.require("snapshot", name);
    }
}
