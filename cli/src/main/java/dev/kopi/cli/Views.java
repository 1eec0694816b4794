package dev.kopi.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CloneState;
import dev.kopi.proto.v1.Event;
import dev.kopi.proto.v1.RefreshResult;
import dev.kopi.proto.v1.SchemaChange;
import dev.kopi.proto.v1.SchemaDiff;
import dev.kopi.proto.v1.Snapshot;
import dev.kopi.proto.v1.Source;
import dev.kopi.proto.v1.SourceSettings;

/**
 * Protobuf messages as the JSON objects kopictl prints (stable field names, numbers as numbers).
 * Optional times and references the API leaves empty (a clone that never expires, a snapshot
 * without a parent) are null, so that a script can tell "none" from a value.
 */
final class Views {
    private Views() {
    }

    static Map<String, Object> clone(Clone c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.getName());
        m.put("snapshot", c.getSnapshot());
        m.put("host", c.getHost());
        m.put("port", c.getPort());
        m.put("user", c.getUser());
        m.put("password", c.getPassword());
        m.put("database", c.getDatabase());
        m.put("uri", c.getUri());
        m.put("jdbcUrl", c.getJdbcUrl());
        m.put("readyMs", c.getReadyMs());
        m.put("state", state(c.getState()));
        if (!c.getMessage().isEmpty()) {
            m.put("message", c.getMessage());
        }
        m.put("createdAt", c.getCreatedAt());
        m.put("pid", c.getPid());
        m.put("postgresVersion", c.getPostgresVersion());
        m.put("path", c.getPath());
        m.put("expiresAt", orNull(c.getExpiresAt()));
        m.put("idleTimeoutSeconds", c.getIdleTimeoutSeconds());
        m.put("protected", c.getProtected());
        m.put("lastActiveAt", orNull(c.getLastActiveAt()));
        m.put("usedBytes", c.getUsedBytes());
        m.put("resetCount", c.getResetCount());
        m.put("resetAt", orNull(c.getResetAt()));
        m.put("owner", orNull(c.getOwner()));
        return m;
    }

    static String state(CloneState s) {
        return switch (s) {
            case CLONE_STATE_CREATING -> "creating";
            case CLONE_STATE_RUNNING -> "running";
            case CLONE_STATE_FAILED -> "failed";
            case CLONE_STATE_DESTROYING -> "destroying";
            case CLONE_STATE_RESETTING -> "resetting";
            default -> "unknown";
        };
    }

    static Map<String, Object> snapshot(Snapshot s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.getName());
        m.put("source", s.getSource());
        m.put("tag", s.getTag());
        m.put("createdAt", s.getCreatedAt());
        m.put("postgresVersion", s.getPostgresVersion());
        m.put("database", s.getDatabase());
        m.put("sizeBytes", s.getSizeBytes());
        m.put("cloneCount", s.getCloneCount());
        m.put("latest", s.getLatest());
        m.put("buildMs", s.getBuildMs());
        m.put("referencedBytes", s.getReferencedBytes());
        m.put("parent", orNull(s.getParent()));
        m.put("fromClone", orNull(s.getFromClone()));
        m.put("message", orNull(s.getMessage()));
        m.put("childCount", s.getChildCount());
        m.put("seedHash", orNull(s.getSeedHash()));
        m.put("preparedKey", orNull(s.getPreparedKey()));
        return m;
    }

    static Map<String, Object> event(Event e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", e.getSeq());
        m.put("at", e.getAt());
        m.put("kind", e.getKind());
        m.put("name", e.getName());
        m.put("reason", orNull(e.getReason()));
        m.put("message", orNull(e.getMessage()));
        return m;
    }

    static String orNull(String s) {
        return s.isEmpty() ? null : s;
    }

    static Map<String, Object> source(Source s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.getName());
        m.put("kind", s.getKind());
        m.put("location", s.getLocation());
        m.put("origin", s.getOrigin());
        m.put("snapshotCount", s.getSnapshotCount());
        m.put("latestSnapshot", s.getLatestSnapshot());
        m.put("refreshing", s.getRefreshing());
        m.put("settings", settings(s.getSettings()));
        m.put("nextRefreshAt", orNull(s.getNextRefreshAt()));
        m.put("scheduleDescription", orNull(s.getScheduleDescription()));
        if (s.hasLastRefresh()) {
            RefreshResult l = s.getLastRefresh();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("startedAt", l.getStartedAt());
            r.put("durationMs", l.getDurationMs());
            r.put("ok", l.getOk());
            r.put("unchanged", l.getUnchanged());
            r.put("error", l.getError());
            r.put("snapshot", l.getSnapshot());
            r.put("trigger", orNull(l.getTrigger()));
            m.put("lastRefresh", r);
        }
        if (s.hasStandby()) {
            Map<String, Object> st = new LinkedHashMap<>();
            st.put("state", s.getStandby().getState());
            st.put("lagSeconds", s.getStandby().getLagSeconds());
            st.put("dataAsOf", orNull(s.getStandby().getDataAsOf()));
            st.put("replayLsn", orNull(s.getStandby().getReplayLsn()));
            m.put("standby", st);
        }
        return m;
    }

    /** A source's settings; what is not set is null (lists are empty, keep 0 keeps all). */
    static Map<String, Object> settings(SourceSettings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schedule", orNull(s.getSchedule()));
        m.put("keep", s.getKeep());
        m.put("transforms", List.copyOf(s.getTransformsList()));
        m.put("passwordFile", orNull(s.getPasswordFile()));
        m.put("passwordEnv", orNull(s.getPasswordEnv()));
        m.put("superuser", orNull(s.getSuperuser()));
        m.put("database", orNull(s.getDatabase()));
        m.put("jobs", s.getJobs());
        m.put("schemas", List.copyOf(s.getSchemasList()));
        m.put("excludeSchemas", List.copyOf(s.getExcludeSchemasList()));
        m.put("excludeTables", List.copyOf(s.getExcludeTablesList()));
        m.put("excludeTableData", List.copyOf(s.getExcludeTableDataList()));
        m.put("noOwner", s.getNoOwner());
        m.put("maxRate", orNull(s.getMaxRate()));
        m.put("slot", orNull(s.getSlot()));
        m.put("walKeep", orNull(s.getWalKeep()));
        return m;
    }

    static Map<String, Object> schemaDiff(SchemaDiff d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clone", d.getClone());
        m.put("against", d.getAgainst());
        m.put("database", d.getDatabase());
        m.put("added", changes(d.getAddedList()));
        m.put("removed", changes(d.getRemovedList()));
        m.put("changed", changes(d.getChangedList()));
        m.put("truncated", d.getTruncated());
        m.put("cached", d.getCached());
        m.put("objectsBefore", d.getObjectsBefore());
        m.put("objectsAfter", d.getObjectsAfter());
        m.put("tookMs", d.getTookMs());
        return m;
    }

    /** Each change with the definitions it has: an added object has no "before", a removed one no "after". */
    private static List<Map<String, Object>> changes(List<SchemaChange> list) {
        return list.stream().map(c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", c.getKind());
            m.put("name", c.getName());
            m.put("before", c.getBefore().isEmpty() ? null : c.getBefore());
            m.put("after", c.getAfter().isEmpty() ? null : c.getAfter());
            return m;
        }).toList();
    }
}
