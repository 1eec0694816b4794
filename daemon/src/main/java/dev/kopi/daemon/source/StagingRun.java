package dev.kopi.daemon.source;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.ControlData;
import dev.kopi.daemon.postgres.Instance;
import dev.kopi.daemon.postgres.InstanceSpec;
import dev.kopi.daemon.postgres.Instances;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.postgres.PgVersion;
import dev.kopi.daemon.source.fill.Fill;
import dev.kopi.daemon.source.fill.Staging;
import dev.kopi.daemon.source.fill.StandaloneDataDir;

/**
 * The one start of Postgres on a staging copy: find the bootstrap superuser, load the data (dump
 * and seed sources), run the transforms, scrub, learn the main database and the size,
 * checkpoint, and shut down cleanly (a fast shutdown writes a shutdown checkpoint: clones then
 * start with no WAL to replay). Unix socket only; nobody but kopid reaches it.
 */
final class StagingRun {
    private final Staging staging;
    private final ControlData controlData;

    StagingRun(Staging staging, ControlData controlData) {
        this.staging = staging;
        this.controlData = controlData;
    }

    /** What the run learned about the snapshot. */
    record Facts(String superuser, String database, long sizeBytes) {
    }

    /**
     * @param disableRoles roles made NOLOGIN without a password (a clone's own, in a snapshot of it)
     * @param keepPasswords whether the other roles keep their password hashes
     * @param guest        the identity the instance runs as, when not postgres.user: a copy a clone
     *                     holder shaped, owned by the guest; given back to postgres.user here, once
     *                     the guest's every process has ended
     */
    Facts run(Source source, Fill fill, String id, Path dir, List<String> disableRoles, boolean keepPasswords,
              OsUser guest, Progress progress) throws IOException {
        Instances instances = staging.instances();
        boolean scrub = !source.settings().transforms().isEmpty();
        Map<String, String> settings = new HashMap<>(scrub ? scrubSettings(fill.version()) : Map.of());
        // No fsync on a staging instance: after a copy of a running server, startup would fsync
        // every file of the copy (gigabytes) for crash safety a staging volume does not need (a
        // crash discards it), and the seal, a Btrfs or ZFS snapshot, commits all data anyway.
        settings.put("fsync", "off");
        settings.putAll(fill.startSettings());
        InstanceSpec spec = InstanceSpec.staging(id, source.name(), dir, fill.version(), settings, guest);
        try {
            Instance started = instances.start(spec);
            Instance inst = started.as(instances.superuser(spec, candidates(source, fill.originalOwner())));
            fill.load(inst, progress);
            String database = mainDatabase(databases(inst));
            if (scrub) {
                staging.scripts().run(inst, database, source.settings().transforms().stream().map(Path::of).toList(),
                        "transform", progress);
                progress.report("scrub", "rewriting " + database + " so no pre-transform value stays on disk", 0, 0);
            }
            progress.report("verify", "checkpointing and shutting down cleanly", 0, 0);
            long size = finish(inst, database, disableRoles, keepPasswords, scrub);
            instances.stop(spec); // a guest's every process ends with it
            if (guest != null) {
                // Nothing runs as the guest now: postgres.user's again, every link checked anew
                // (the guest could have planted any), before a tool of postgres.user reads it.
                StandaloneDataDir.make(dir, null, true, staging.tools().user());
            }
            String state = controlData.clusterState(dir, fill.version());
            if (!state.equals("shut down")) {
                throw KopiException.internal("snapshot of " + source.name() + " is in state '" + state
                        + "' after a clean shutdown; see " + instances.logFile(spec), null);
            }
            return new Facts(inst.spec().superuser(), database, size);
        } finally {
            instances.remove(spec);
        }
    }

    /** The roles likely to be the bootstrap superuser (role OID 10), most likely first. */
    private static Set<String> candidates(Source source, String originalOwner) {
        Set<String> candidates = new LinkedHashSet<>();
        if (source.superuser() != null) {
            candidates.add(source.superuser());
        }
        if (originalOwner != null) {
            candidates.add(originalOwner);
        }
        candidates.add("postgres");
        return candidates;
    }

    private List<String> databases(Instance inst) {
        try {
            return staging.instances().admin(inst.spec(), "template1", 30, c -> {
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT datname FROM pg_database WHERE datallowconn "
                             + "AND NOT datistemplate ORDER BY datname")) {
                    List<String> dbs = new ArrayList<>();
                    while (rs.next()) {
                        dbs.add(rs.getString(1));
                    }
                    return dbs;
                }
            });
        } catch (SQLException e) {
            throw KopiException.precondition("cannot list the databases of the new snapshot: " + e.getMessage());
        }
    }

    /**
     * Settings of a staging instance whose data is transformed: WAL segments are removed, not
     * recycled (a recycled segment keeps the old records' bytes), and none are kept for standbys.
     */
    private static Map<String, String> scrubSettings(String version) {
        int major = PgVersion.major(version);
        if (major >= 13) {
            return Map.of("wal_recycle", "off", "wal_keep_size", "0");
        }
        return major >= 12 ? Map.of("wal_recycle", "off") : Map.of();
    }

    /**
     * The last steps on the staging instance: drop replication slots (a slot in a clone would hold
     * WAL forever), disable the given roles, and after transforms scrub the main database; then
     * checkpoint. Returns the size of all databases.
     *
     * <p>Scrubbing is why masking can be trusted: an UPDATE leaves the old row version in the
     * table file and in WAL full-page images, and ANALYZE keeps sample values in pg_statistic.
     * ANALYZE on the masked data, then VACUUM FULL (every table and pg_statistic rewritten, the
     * old files unlinked), then a WAL segment switch and a checkpoint, which with wal_recycle off
     * deletes every segment written before.
     */
    private long finish(Instance inst, String database, List<String> disableRoles, boolean keepPasswords,
                        boolean scrub) {
        Instances instances = staging.instances();
        try {
            return instances.admin(inst.spec(), "template1", 30, c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots");
                    for (String role : disableRoles) {
                        // Roles are cluster-wide: one statement covers every database. The role may
                        // own objects, so it is kept, without login and password.
                        st.execute("ALTER ROLE " + quote(role) + " NOLOGIN PASSWORD NULL");
                    }
                    if (!keepPasswords) {
                        // Production password hashes must not reach clones (an md5 hash is as good as
                        // the password); roles stay, without. Before the scrub, so no old row survives.
                        for (String role : withPasswords(st)) {
                            st.execute("ALTER ROLE " + quote(role) + " PASSWORD NULL");
                        }
                    }
                    if (scrub) {
                        instances.admin(inst.spec(), database, 30, db -> {
                            db.setNetworkTimeout(Runnable::run, 0); // rewriting a large database takes as long as it takes
                            try (Statement dst = db.createStatement()) {
                                dst.execute("ANALYZE");
                                dst.execute("VACUUM FULL");
                            }
                            return null;
                        });
                        st.execute("SELECT pg_switch_wal()");
                        st.execute("CHECKPOINT");
                    }
                    long size;
                    try (ResultSet rs = st.executeQuery("SELECT sum(pg_database_size(oid))::bigint FROM pg_database")) {
                        rs.next();
                        size = rs.getLong(1);
                    }
                    st.execute("CHECKPOINT");
                    return size;
                }
            });
        } catch (SQLException e) {
            throw KopiException.precondition("cannot finish the new snapshot: " + e.getMessage());
        }
    }

    private static List<String> withPasswords(Statement st) throws SQLException {
        List<String> roles = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("SELECT rolname FROM pg_authid WHERE rolpassword IS NOT NULL")) {
            while (rs.next()) {
                roles.add(rs.getString(1));
            }
        }
        return roles;
    }

    private static String quote(String role) {
        return "\"" + role.replace("\"", "\"\"") + "\"";
    }

    /** The one application database if there is exactly one, else "postgres". */
    static String mainDatabase(List<String> databases) {
        List<String> apps = databases.stream().filter(d -> !d.equals("postgres")).toList();
        if (apps.size() == 1) {
            return apps.get(0);
        }
        return databases.contains("postgres") || databases.isEmpty() ? "postgres" : databases.get(0);
    }
}
