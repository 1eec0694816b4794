package dev.kopi.daemon.storage;

import java.io.IOException;
import java.util.Locale;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.sys.Errno;
import dev.kopi.sys.SysException;

/** Turns storage-level failures into domain errors, one rule for every backend. */
public final class StorageErrors {
    private StorageErrors() {
    }

    public static KopiException wrap(String action, IOException e) {
        if (e instanceof SysException se && se.isNoSpace() || isNoSpaceMessage(e.getMessage())) {
            return KopiException.exhausted("pool is full while trying to " + action
                    + ": destroy clones or snapshots, or grow the pool (" + e.getMessage() + ")");
        }
        if (e instanceof SysException se && se.errno() == Errno.EEXIST) {
            return KopiException.exists("cannot " + action + ": " + e.getMessage());
        }
        return KopiException.internal("cannot " + action + ": " + e.getMessage(), e);
    }

    public static boolean isNoSpaceMessage(String message) {
        if (message == null) {
            return false;
        }
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("no space left") || m.contains("out of space") || m.contains("disk quota exceeded");
    }
}
