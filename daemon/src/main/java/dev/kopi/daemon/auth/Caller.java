package dev.kopi.daemon.auth;

/**
 * Who made an API call, as established by the listener it came through: a token's name and role
 * over TCP, or {@code unix:UID} (always an admin) on the Unix socket, whose mode already limits
 * it to root and the socket group.
 *
 * @param name  recorded as the owner of the clones this caller makes
 * @param role  what it may do
 */
public record Caller(String name, Role role) {
    /** kopid itself (the scheduler, the reaper, the warm pool) and callers from before owners existed. */
    public static final Caller SYSTEM = new Caller("kopid", Role.ADMIN);

    /** A caller on the Unix socket with peer uid {@code uid}; -1 when the uid could not be read. */
    public static Caller unix(int uid) {
        return new Caller(uid < 0 ? "unix" : "unix:" + uid, Role.ADMIN);
    }

    public boolean admin() {
        return role == Role.ADMIN;
    }

    /** Whether this caller may act on something owned by {@code owner} (null: made before owners). */
    public boolean mayUse(String owner) {
        return admin() || name.equals(owner);
    }
}
