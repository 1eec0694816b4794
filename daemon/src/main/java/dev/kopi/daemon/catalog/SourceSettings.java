package dev.kopi.daemon.catalog;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonCreator;

/**
 * How a source is refreshed, beyond where its data comes from; the same keys in the config
 * file, on {@code kopictl source add} and in the catalog.
 *
 * @param schedule     cron expression (5 fields, or 6 with seconds first) run by kopid's
 *                     scheduler; null for none
 * @param keep         newest snapshots kept per source; 0 keeps all
 * @param transforms   SQL scripts run in order on each new snapshot before it is sealed (masking)
 * @param passwordFile file whose first line is the source's password (basebackup, dump)
 * @param passwordEnv  environment variable of kopid holding the source's password
 * @param database     dump and seed: the database created in the new cluster (default: the
 *                     source's database for dump, the source name for seed)
 * @param dump         pg_dump / pg_restore options
 * @param maxRate      basebackup: pg_basebackup's --max-rate (e.g. 50M), null for unlimited
 * @param warm         clones of the newest snapshot kept started and ready for hand-out (0: none)
 * @param keepPasswords keep the roles' password hashes in its snapshots (default: removed)
 * @param slot         replica: the physical replication slot on the primary; null for none
 * @param walKeep      replica: how far back point-in-time clones may go, as written ("24h"); null for
 *                     the default
 */
public record SourceSettings(String schedule, int keep, List<String> transforms, String passwordFile,
                             String passwordEnv, String database, DumpOptions dump, String maxRate, int warm,
                             boolean keepPasswords, String slot, String walKeep) {
    public static final SourceSettings NONE = new SourceSettings(null, 0, List.of(), null, null, null,
            DumpOptions.DEFAULT, null, 0, false);

    @JsonCreator
    public SourceSettings {
        transforms = transforms == null ? List.of() : List.copyOf(transforms);
        dump = dump == null ? DumpOptions.DEFAULT : dump;
    }

    public SourceSettings(String schedule, int keep, List<String> transforms, String passwordFile,
                          String passwordEnv, String database, DumpOptions dump, String maxRate) {
        this(schedule, keep, transforms, passwordFile, passwordEnv, database, dump, maxRate, 0, false);
    }

    public SourceSettings(String schedule, int keep, List<String> transforms, String passwordFile,
                          String passwordEnv, String database, DumpOptions dump, String maxRate, int warm,
                          boolean keepPasswords) {
        this(schedule, keep, transforms, passwordFile, passwordEnv, database, dump, maxRate, warm, keepPasswords,
                null, null);
    }

    /** The same settings with {@code n} warm clones. */
    public SourceSettings withWarm(int n) {
        return new SourceSettings(schedule, keep, transforms, passwordFile, passwordEnv, database, dump, maxRate, n,
                keepPasswords, slot, walKeep);
    }

    /**
     * pg_dump / pg_restore options of a dump source.
     *
     * @param jobs             parallel jobs for both
     * @param schemas          only these schemas (pg_dump -n); empty for all
     * @param excludeSchemas   pg_dump -N
     * @param excludeTables    pg_dump -T (neither definition nor data)
     * @param excludeTableData pg_dump --exclude-table-data (definition only)
     * @param noOwner          restore without owners and privileges (objects owned by the
     *                         snapshot's superuser); otherwise the source's roles are copied first
     *                         (without passwords) so ownership and grants are kept
     */
    public record DumpOptions(int jobs, List<String> schemas, List<String> excludeSchemas,
                              List<String> excludeTables, List<String> excludeTableData, boolean noOwner) {
        public static final DumpOptions DEFAULT = new DumpOptions(2, List.of(), List.of(), List.of(), List.of(), false);

        @JsonCreator
        public DumpOptions {
            jobs = jobs <= 0 ? 2 : jobs;
            schemas = schemas == null ? List.of() : List.copyOf(schemas);
            excludeSchemas = excludeSchemas == null ? List.of() : List.copyOf(excludeSchemas);
            excludeTables = excludeTables == null ? List.of() : List.copyOf(excludeTables);
            excludeTableData = excludeTableData == null ? List.of() : List.copyOf(excludeTableData);
        }
    }
}
