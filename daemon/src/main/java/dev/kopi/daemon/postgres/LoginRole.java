package dev.kopi.daemon.postgres;

/**
 * A clone's own login role, made (or re-asserted) by {@link Instances} each time the clone's
 * instance starts.
 *
 * @param user     the role
 * @param password its password; only its SCRAM verifier ever reaches the server
 * @param fresh    whether the role is most likely new (a new clone: CREATE first) rather than
 *                 there already (a restart: ALTER first); either way both are tried
 */
public record LoginRole(String user, String password, boolean fresh) {
    /** The same role, expected to exist already. */
    public LoginRole existing() {
        return new LoginRole(user, password, false);
    }

    @Override
    public String toString() {
        return "LoginRole[user=" + user + ", password=***]";
    }
}
