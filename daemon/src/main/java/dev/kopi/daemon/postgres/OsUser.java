package dev.kopi.daemon.postgres;

import java.util.ArrayList;
import java.util.List;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.sys.Posix;

/**
 * An unprivileged OS identity that runs postgres or its tools; never root. Either a local user
 * ({@link #lookup}: postgres.user, which runs refreshes) or a bare uid with no passwd entry
 * ({@link #ofUid}: a clone's own identity, group the same number, no supplementary groups).
 *
 * @param name the user name, or "uid N" for a bare uid
 */
public record OsUser(String name, int uid, int gid) {
    public OsUser {
        if (uid == 0) {
            throw KopiException.precondition("postgres.user '" + name + "' is root; Postgres never runs as root");
        }
    }

    /** A clone's own identity: uid and gid {@code uid}, no passwd entry, no other groups. */
    public static OsUser ofUid(int uid) {
        return new OsUser(BARE + uid, uid, uid);
    }

    private static final String BARE = "uid ";

    /** Whether this is a bare uid rather than a local user. */
    public boolean bare() {
        return name.startsWith(BARE);
    }

    public static OsUser lookup(String name) {
        Posix.User u = Posix.user(name).orElseThrow(() -> KopiException.precondition("OS user '" + name
                + "' does not exist: install the postgresql package (it creates 'postgres') or set postgres.user"));
        return new OsUser(u.name(), u.uid(), u.gid());
    }

    /** {@code argv} run as this user, with its groups, through setpriv(1) (no PAM, no shell). */
    public List<String> wrap(List<String> argv) {
        return wrap(argv, false);
    }

    /**
     * {@code argv} run as this user and killed if kopid dies: for client tools (pg_basebackup,
     * pg_dump, psql) working on a staging volume, which must not go on writing into a volume the
     * next kopid start removes. Never for postmasters, which outlive kopid on purpose.
     */
    public List<String> wrapTool(List<String> argv) {
        return wrap(argv, true);
    }

    private List<String> wrap(List<String> argv, boolean dieWithKopid) {
        List<String> out = new ArrayList<>(argv.size() + 6);
        out.add("setpriv");
        out.add("--reuid=" + uid);
        out.add("--regid=" + gid);
        // A local user's groups come from the group database; a bare uid has none.
        out.add(bare() ? "--clear-groups" : "--init-groups");
        if (dieWithKopid) {
            // setpriv sets the parent-death signal after switching user, so it survives the switch.
            out.add("--pdeathsig=KILL");
        }
        out.add("--");
        out.addAll(argv);
        return out;
    }
}
