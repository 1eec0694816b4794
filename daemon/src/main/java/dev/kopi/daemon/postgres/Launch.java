package dev.kopi.daemon.postgres;

import java.nio.file.Path;
import java.util.Map;

/**
 * The arguments of one postgres process on a data directory, as {@link Postmaster} starts it.
 * Built by {@link LocalInstances} from an {@link InstanceSpec}; nothing else starts postgres.
 *
 * @param label     shown in ps and logs (cluster_name)
 * @param dataDir   the data directory (a clone or staging volume root)
 * @param version   PG_VERSION, selects the binaries
 * @param port      TCP port, and the number in the Unix socket's name
 * @param listen    listen_addresses; empty for Unix socket only
 * @param socketDir unix_socket_directories (private to the postgres user)
 * @param hbaFile   the pg_hba.conf to use (written by the caller, outside the data directory)
 * @param logFile   where the server's stderr goes
 * @param settings  further -c settings
 * @param user      the OS identity postgres runs as
 * @param standby   whether it is a hot standby, ready once it accepts read-only connections
 * @param replays   whether its start may replay a long stretch of WAL, and so may run past
 *                  postgres.start_timeout while recovery makes progress: kopid's own instances
 *                  (staging copies, standbys), never a holder's clone, whose data directory
 *                  and log a hostile holder could shape to keep a start going
 */
record Launch(String label, Path dataDir, String version, int port, String listen, Path socketDir, Path hbaFile,
              Path logFile, Map<String, String> settings, OsUser user, boolean standby, boolean replays) {
}
