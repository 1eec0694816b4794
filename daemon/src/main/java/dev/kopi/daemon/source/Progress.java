package dev.kopi.daemon.source;

/** Receives progress of a long operation (a refresh). Implementations must not throw. */
@FunctionalInterface
public interface Progress {
    Progress NONE = (phase, message, done, total) -> { };

    /**
     * @param phase   short phase name: snapshot, copy, prepare, verify, publish
     * @param message one human line
     * @param done    bytes done so far (0 when not applicable)
     * @param total   bytes in all (0 when unknown)
     */
    void report(String phase, String message, long done, long total);
}
