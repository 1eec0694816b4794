package dev.kopi.daemon.rpc;

import dev.kopi.daemon.catalog.RefreshRecord;
import dev.kopi.daemon.catalog.SnapshotRecord;
import dev.kopi.daemon.clone.CloneView;
import dev.kopi.daemon.core.Events;
import dev.kopi.daemon.snapshot.SnapshotView;
import dev.kopi.daemon.source.SourceDefinition;
import dev.kopi.daemon.source.Sources;
import dev.kopi.daemon.status.DaemonStatus;
import dev.kopi.proto.v1.AddSourceRequest;
import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CloneState;
import dev.kopi.proto.v1.Event;
import dev.kopi.proto.v1.RefreshResult;
import dev.kopi.proto.v1.Snapshot;
import dev.kopi.proto.v1.Source;
import dev.kopi.proto.v1.SourceSettings;
import dev.kopi.proto.v1.StandbyStatus;
import dev.kopi.proto.v1.Status;

/** Domain values to protobuf messages. */
final class Protos {
    private Protos() {
    }

    static Clone clone(CloneView v) {
        var r = v.record();
        return Clone.newBuilder()
                .setName(r.name())
                .setSnapshot(r.snapshot().toString())
                .setHost(v.host())
                .setPort(r.port())
                .setUser(r.user())
                .setPassword(r.password())
                .setDatabase(r.database())
                .setUri(v.uri())
                .setJdbcUrl(v.jdbcUrl())
                .setReadyMs((int) v.readyMs())
                .setState(switch (v.state()) {
                    case CREATING -> CloneState.CLONE_STATE_CREATING;
                    case RUNNING -> CloneState.CLONE_STATE_RUNNING;
                    case FAILED -> CloneState.CLONE_STATE_FAILED;
                    case DESTROYING -> CloneState.CLONE_STATE_DESTROYING;
                    case RESETTING -> CloneState.CLONE_STATE_RESETTING;
                })
                .setMessage(v.message())
                .setCreatedAt(r.createdAt().toString())
                .setPid((int) v.pid())
                .setPostgresVersion(r.version())
                .setPath(v.path().toString())
                .setExpiresAt(r.expiresAt() == null ? "" : r.expiresAt().toString())
                .setIdleTimeoutSeconds(v.idleTimeout().getSeconds())
                .setProtected(r.protect())
                .setLastActiveAt(v.lastActive() == null ? "" : v.lastActive().toString())
                .setUsedBytes(v.usedBytes())
                .setResetCount(r.resetCount())
                .setResetAt(r.resetAt() == null ? "" : r.resetAt().toString())
                .setOwner(r.owner() == null ? "" : r.owner())
                .setCaCertificate(v.endpoint().caPem())
                .build();
    }

    static Snapshot snapshot(SnapshotRecord s, int cloneCount, boolean latest) {
        return snapshotBuilder(s, cloneCount, latest).build();
    }

    private static Snapshot.Builder snapshotBuilder(SnapshotRecord s, int cloneCount, boolean latest) {
        return Snapshot.newBuilder()
                .setName(s.name())
                .setSource(s.source())
                .setTag(s.tag())
                .setCreatedAt(s.createdAt().toString())
                .setPostgresVersion(s.version())
                .setDatabase(s.database())
                .setCloneCount(cloneCount)
                .setLatest(latest)
                .setSizeBytes(s.sizeBytes())
                .setBuildMs(s.buildMs())
                .setParent(s.parent() == null ? "" : s.parent().toString())
                .setFromClone(s.fromClone() == null ? "" : s.fromClone())
                .setMessage(s.message() == null ? "" : s.message())
                .setSeedHash(s.seedHash() == null ? "" : s.seedHash())
                .setPreparedKey(s.prepared() == null ? "" : s.prepared().key())
                .setReferencedBytes(-1);
    }

    static Snapshot snapshot(SnapshotView v) {
        return snapshotBuilder(v.record(), v.cloneCount(), v.latest())
                .setReferencedBytes(v.referencedBytes())
                .setChildCount(v.childCount())
                .build();
    }

    static Event event(Events.Event e) {
        return Event.newBuilder()
                .setSeq(e.seq())
                .setAt(e.at().toString())
                .setKind(e.kind().word())
                .setName(e.name())
                .setReason(e.reason())
                .setMessage(e.message())
                .build();
    }

    static Source source(Sources.SourceView v) {
        dev.kopi.daemon.source.Source src = v.source(); // the proto has a Source too
        Source.Builder b = Source.newBuilder()
                .setName(src.name())
                .setKind(src.kind().word())
                .setLocation(src.location())
                .setOrigin(src.origin().word())
                .setSnapshotCount(v.snapshotCount())
                .setLatestSnapshot(v.latest().map(SnapshotRecord::name).orElse(""))
                .setRefreshing(v.refreshing())
                .setSettings(settings(src))
                .setNextRefreshAt(v.nextRefresh() == null ? "" : v.nextRefresh().toString())
                .setScheduleDescription(v.scheduleDescription());
        v.lastRefresh().ifPresent(r -> b.setLastRefresh(refresh(r)));
        v.standby().ifPresent(st -> b.setStandby(StandbyStatus.newBuilder().setState(st.state())
                .setLagSeconds(st.lag().toMillis() / 1000.0)
                .setDataAsOf(st.dataAsOf() == null ? "" : st.dataAsOf().toString())
                .setReplayLsn(st.replayLsn())));
        return b.build();
    }

    /** A source's settings as shown: file and variable names, never a password. */
    private static SourceSettings settings(dev.kopi.daemon.source.Source src) {
        dev.kopi.daemon.catalog.SourceSettings s = src.settings();
        SourceSettings.Builder b = SourceSettings.newBuilder()
                .setKeep(s.keep())
                .setWarm(s.warm())
                .setKeepPasswords(s.keepPasswords())
                .addAllTransforms(s.transforms());
        if (s.schedule() != null) {
            b.setSchedule(s.schedule());
        }
        if (s.passwordFile() != null) {
            b.setPasswordFile(s.passwordFile());
        }
        if (s.passwordEnv() != null) {
            b.setPasswordEnv(s.passwordEnv());
        }
        if (s.database() != null) {
            b.setDatabase(s.database());
        }
        if (src.kind() == dev.kopi.daemon.source.Source.Kind.DUMP) {
            b.setJobs(s.dump().jobs()).addAllSchemas(s.dump().schemas()).addAllExcludeSchemas(s.dump().excludeSchemas())
                    .addAllExcludeTables(s.dump().excludeTables()).addAllExcludeTableData(s.dump().excludeTableData())
                    .setNoOwner(s.dump().noOwner());
        }
        if (s.maxRate() != null) {
            b.setMaxRate(s.maxRate());
        }
        if (src.superuser() != null) {
            b.setSuperuser(src.superuser());
        }
        if (s.slot() != null) {
            b.setSlot(s.slot());
        }
        if (s.walKeep() != null) {
            b.setWalKeep(s.walKeep());
        }
        return b.build();
    }

    /** What AddSource asks for, as a definition to validate; empty strings are "not given". */
    static SourceDefinition definition(AddSourceRequest r) {
        SourceSettings s = r.getSettings();
        return SourceDefinition.builder(r.getName()).datadir(blankToNull(r.getDatadir()))
                .basebackup(blankToNull(r.getBasebackup())).dump(blankToNull(r.getDump())).seed(r.getSeedList())
                .superuser(blankToNull(s.getSuperuser())).schedule(blankToNull(s.getSchedule()))
                .keep(s.getKeep() == 0 ? null : s.getKeep()).transforms(s.getTransformsList())
                .passwordFile(blankToNull(s.getPasswordFile())).passwordEnv(blankToNull(s.getPasswordEnv()))
                .database(blankToNull(s.getDatabase())).jobs(s.getJobs() == 0 ? null : s.getJobs())
                .schemas(s.getSchemasList()).excludeSchemas(s.getExcludeSchemasList())
                .excludeTables(s.getExcludeTablesList()).excludeTableData(s.getExcludeTableDataList())
                .noOwner(s.getNoOwner() ? Boolean.TRUE : null).maxRate(blankToNull(s.getMaxRate()))
                .warm(s.getWarm() == 0 ? null : s.getWarm()).keepPasswords(s.getKeepPasswords() ? Boolean.TRUE : null)
                .replica(blankToNull(r.getReplica())).slot(blankToNull(s.getSlot()))
                .walKeep(blankToNull(s.getWalKeep())).build();
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    static RefreshResult refresh(RefreshRecord r) {
        return RefreshResult.newBuilder()
                .setStartedAt(r.startedAt().toString())
                .setDurationMs(r.durationMs())
                .setOk(r.ok())
                .setError(r.error() == null ? "" : r.error())
                .setSnapshot(r.snapshot() == null ? "" : r.snapshot().toString())
                .setUnchanged(r.unchanged())
                .setTrigger(r.trigger() == null ? "" : r.trigger().word())
                .build();
    }

    static Status status(DaemonStatus s, long nowMillis) {
        return Status.newBuilder()
                .setVersion(s.version())
                .setBackend(s.backend())
                .setPool(s.pool())
                .setPoolImage(s.image())
                .setPoolSizeBytes(s.usage().size())
                .setPoolUsedBytes(s.usage().used())
                .setPoolFreeBytes(s.usage().free())
                .setSources(s.sources())
                .setSnapshots(s.snapshots())
                .setClones(s.clones())
                .setClonesRunning(s.clonesRunning())
                .setStartedAt(s.startedAt().toString())
                .setUptimeMs(nowMillis - s.startedAt().toEpochMilli())
                .setPorts(s.ports())
                .setPortsFree(s.portsFree())
                .setClonesMax(s.clonesMax())
                .setPoolMinFreeBytes(s.minFree())
                .setUsageAccounting(s.accounting())
                .setClonesUsedBytes(s.clonesUsed())
                .setWarmClones(s.warmClones())
                .setWarmMemoryBytes(s.warmMemory())
                .build();
    }
}
