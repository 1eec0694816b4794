package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.Identities;
import dev.kopi.daemon.postgres.Instance;
import dev.kopi.daemon.postgres.Instances;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.postgres.PgTools;
import dev.kopi.daemon.source.Progress;
import dev.kopi.daemon.storage.PoolUsage;
import dev.kopi.daemon.storage.StorageBackend;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.sys.Posix;

/**
 * What the fills of a refresh share: the pool, the instances, the tools, and the steps every
 * fresh cluster needs (a volume the postgres user owns, initdb, CREATE DATABASE), plus the
 * space check that refuses a refresh that cannot fit before anything is made.
 */
public final class Staging {
    private static final Logger LOG = Logger.getLogger(Staging.class.getName());

    final StorageBackend backend;
    final Instances instances;
    final PgTools tools;
    final SqlScripts scripts;
    private final long minFree;
    private final Identities guests;
    private final Standbys standbys;
    private final ReplicaPrimaries primaries;

    /**
     * @param minFree pool.min_free: a refresh that would leave less free is refused up front
     * @param guests  where the throwaway identities come from that run staging instances on data a
     *                clone holder shaped (the clones' uid range, so no clone ever shares one)
     * @param primaries where replica sources' primaries are remembered (root's, in the state directory)
     */
    public Staging(StorageBackend backend, Instances instances, PgTools tools, long minFree, Identities guests,
                   Path primaries) {
        this.backend = backend;
        this.instances = instances;
        this.tools = tools;
        this.scripts = new SqlScripts(tools);
        this.minFree = minFree;
        this.guests = guests;
        this.primaries = new ReplicaPrimaries(primaries, this);
        this.standbys = new Standbys(this, Clock.systemUTC());
    }

    /** The standbys of replica sources. */
    public Standbys standbys() {
        return standbys;
    }

    public StorageBackend backend() {
        return backend;
    }

    public Instances instances() {
        return instances;
    }

    public PgTools tools() {
        return tools;
    }

    public SqlScripts scripts() {
        return scripts;
    }

    /** The primaries of replica sources, remembered so a source gone from the configuration loses its slot too. */
    public ReplicaPrimaries primaries() {
        return primaries;
    }

    /** The identities staging instances on a holder's data run as, one per run. */
    public Identities guests() {
        return guests;
    }

    /** Fails with RESOURCE_EXHAUSTED, before anything is made, when {@code bytes} would not fit. */
    void requireSpace(long bytes, String what) {
        PoolUsage u = backend.usage();
        if (u.free() - bytes < minFree) {
            throw KopiException.exhausted("pool is too small for " + what + ": it needs about " + mib(bytes)
                    + " and the pool has " + mib(u.free()) + " free" + (minFree > 0 ? " (keeping " + mib(minFree)
                    + ", pool.min_free)" : "") + "; free space (destroy clones, delete snapshots, lower keep) or grow "
                    + "the pool");
        }
    }

    /** Whether the pool has less free than pool.min_free now. */
    boolean shortOfSpace() {
        return backend.usage().free() < minFree;
    }

    static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }

    /** Creates a staging volume for the postgres user's tools to write into: theirs, 0700. */
    Path ownedVolume(VolumeId v) throws IOException {
        Path dir = backend.create(v);
        OsUser u = tools.user();
        Posix.chown(dir, u.uid(), u.gid());
        Posix.chmod(dir, 0700);
        return dir;
    }

    /**
     * A fresh cluster whose bootstrap superuser is "postgres". Template databases get the C locale,
     * which exists everywhere; the database a source creates asks for its own locale.
     */
    void initdb(Path dir, String version, Progress progress) {
        progress.report("initdb", "creating a PostgreSQL " + version + " cluster", 0, 0);
        tools.require("initdb", version, "initdb", List.of("--pgdata=" + dir, "--username=postgres",
                "--encoding=UTF8", "--locale=C", "--auth=trust", "--no-sync"), Map.of(), Duration.ofMinutes(10));
    }

    /**
     * CREATE DATABASE with the source's encoding and locale; a locale this host does not have
     * falls back to C (said in the progress), since a copy with another sort order beats none.
     * The fresh cluster's own "postgres" database is replaced when that is the name wanted:
     * small applications and managed services often live there.
     */
    void createDatabase(Instance inst, String db, String encoding, String collate, String ctype, Progress progress) {
        String quoted = "\"" + db.replace("\"", "\"\"") + "\"";
        try {
            instances.admin(inst.spec(), "template1", 30, c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("DROP DATABASE IF EXISTS " + quoted);
                    try {
                        st.execute("CREATE DATABASE " + quoted + " TEMPLATE template0 ENCODING " + literal(encoding)
                                + " LC_COLLATE " + literal(collate) + " LC_CTYPE " + literal(ctype));
                    } catch (SQLException e) {
                        if (!"22023".equals(e.getSQLState()) && !"42809".equals(e.getSQLState())) { // invalid locale
                            throw e;
                        }
                        progress.report("restore", "locale " + collate + " is not installed here: database " + db
                                + " uses C", 0, 0);
                        st.execute("CREATE DATABASE " + quoted + " TEMPLATE template0 ENCODING " + literal(encoding)
                                + " LC_COLLATE 'C' LC_CTYPE 'C'");
                    }
                }
                return null;
            });
        } catch (SQLException e) {
            throw KopiException.precondition("cannot create database " + db + " in the new snapshot: " + e.getMessage());
        }
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** Stops whatever runs on a staging volume and destroys it; logs what it cannot do. */
    public void destroyQuietly(VolumeId v) {
        try {
            instances.stop(backend.path(v));
            if (backend.list().contains(v)) {
                backend.destroy(v);
            }
        } catch (RuntimeException e) {
            LOG.warning("could not remove " + v + " (the next start removes it): " + e.getMessage());
        }
    }
}
