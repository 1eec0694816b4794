package dev.kopi.daemon.source.fill;

import java.util.logging.Logger;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.postgres.PgTools;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.source.Source;

/**
 * The physical replication slot a replica source's standby streams through, on the primary: made
 * before the standby is seeded, dropped when the source is removed. A slot keeps WAL on the
 * primary until it is dropped, so one nobody knows about any more fills the primary's disk:
 * removal refuses, before anything changes, while the primary cannot be reached.
 */
final class ReplicationSlot {
    private static final Logger LOG = Logger.getLogger(ReplicationSlot.class.getName());

    private final Source source;
    private final PgTools tools;
    private final String name;

    ReplicationSlot(Source source, PgTools tools) {
        this.source = source;
        this.tools = tools;
        this.name = source.settings().slot();
    }

    /** Creates the slot on {@code server} (psql of {@code version}) unless it exists. */
    void create(SourceServer server, String version) {
        ProcessRunner.Result r = server.psql(version, "SELECT pg_create_physical_replication_slot('" + name
                + "', true) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + name + "')");
        if (!r.ok()) {
            throw KopiException.precondition("cannot create replication slot " + name + " on " + server.describe()
                    + " (the role needs REPLICATION): " + r.describe());
        }
    }

    /** Fails, saying what to do, when the primary cannot be reached to drop the slot. */
    void requireDroppable() {
        SourceServer server = new SourceServer(source, tools);
        ProcessRunner.Result r = server.psql(tools.binaries().newest(), "SELECT 1");
        if (!r.ok()) {
            throw KopiException.precondition("source " + source.name() + ": cannot reach the primary "
                    + server.describe() + " to drop replication slot " + name + " (left there, it would keep WAL "
                    + "on the primary until its disk fills): " + r.describe().strip() + "; nothing was removed. "
                    + "Retry once the primary is reachable, or remove with --force and drop the slot there "
                    + "yourself: " + dropStatement());
        }
    }

    /**
     * Drops the slot once the standby that used it has gone (the primary's wal sender notices
     * within a moment; until then the slot is active). A failure is logged with the statement to
     * run on the primary.
     */
    void drop() {
        SourceServer server;
        try {
            server = new SourceServer(source, tools);
        } catch (KopiException e) { // its password file went away, say: only a forced removal gets here
            LOG.warning("source " + source.name() + ": replication slot " + name + " left on the primary (drop it "
                    + "with " + dropStatement() + "): " + e.getMessage());
            return;
        }
        String sql = "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
                + name + "' AND NOT active; SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + name + "'";
        ProcessRunner.Result r = null;
        for (int i = 0; i < 20; i++) {
            r = server.psql(tools.binaries().newest(), sql);
            if (r.ok() && r.stdout().strip().endsWith("0")) {
                return;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        LOG.warning("source " + source.name() + ": could not drop replication slot " + name + " on "
                + server.describe() + " (it keeps WAL there: drop it with " + dropStatement() + "): "
                + (r == null ? "" : r.describe()));
    }

    private String dropStatement() {
        return "SELECT pg_drop_replication_slot('" + name + "')";
    }
}
