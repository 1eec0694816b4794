package dev.kopi.daemon.core;

/**
 * Why an event happened (a destroy reason, a refresh trigger, a deletion's cause), as the one
 * word published with it. Implemented by the enums of each kind of reason.
 */
public interface Reason {
    /** No particular reason. */
    Reason NONE = () -> "";

    /** The word shown in events, e.g. "ttl", "schedule". */
    String word();
}
