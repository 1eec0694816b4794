package dev.kopi.daemon.postgres;

import java.util.BitSet;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.sys.Posix;

/**
 * Hands out the OS identities clones run as: one uid per clone from postgres.clone_uids, never a
 * uid that has a passwd entry, never one another clone holds. A uid owns one clone's files and
 * processes and nothing else, so whatever a clone holder runs as it reaches that clone only.
 * Round robin, so a uid just given back is not handed out again at once. Thread-safe.
 */
public final class Identities {
    private final int first;
    private final int last;
    private final BitSet taken = new BitSet();
    private int next;

    public Identities(int first, int last) {
        if (first <= 0 || last < first) {
            throw new IllegalArgumentException("not a uid range: " + first + "-" + last);
        }
        this.first = first;
        this.last = last;
        this.next = first;
    }

    /** A uid no clone holds and no local user has; RESOURCE_EXHAUSTED when the range is used up. */
    public synchronized OsUser allocate() {
        long size = (long) last - first + 1;
        for (long i = 0; i < size; i++) {
            int uid = (int) (first + ((long) next - first + i) % size);
            if (!taken.get(uid - first) && !Posix.uidExists(uid)) {
                taken.set(uid - first);
                next = uid == last ? first : uid + 1;
                return OsUser.ofUid(uid);
            }
        }
        throw KopiException.exhausted("no free uid in postgres.clone_uids " + first + "-" + last + " ("
                + taken.cardinality() + " held by clones): destroy clones or widen the range");
    }

    /** Marks a uid as held by an existing clone (on start, from the catalog). */
    public synchronized void claim(int uid) {
        if (uid >= first && uid <= last) {
            taken.set(uid - first);
        }
    }

    public synchronized void release(int uid) {
        if (uid >= first && uid <= last) {
            taken.clear(uid - first);
        }
    }

    /** Whether {@code uid} is one this allocator hands out. */
    public boolean inRange(int uid) {
        return uid >= first && uid <= last;
    }
}
