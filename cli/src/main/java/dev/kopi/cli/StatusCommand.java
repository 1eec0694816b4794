package dev.kopi.cli;

import java.util.LinkedHashMap;
import java.util.Map;

import picocli.CommandLine.Command;

import dev.kopi.proto.v1.GetStatusRequest;
import dev.kopi.proto.v1.Status;

/** kopictl status. */
@Command(name = "status", description = "Show the daemon, its pool and counts.")
final class StatusCommand extends Base {
    @Override
    void run(Connection c) {
        Status s = c.status().getStatus(GetStatusRequest.getDefaultInstance());
        if (root().json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", s.getVersion());
            m.put("backend", s.getBackend());
            m.put("pool", s.getPool());
            m.put("poolImage", s.getPoolImage());
            m.put("poolSizeBytes", s.getPoolSizeBytes());
            m.put("poolUsedBytes", s.getPoolUsedBytes());
            m.put("poolFreeBytes", s.getPoolFreeBytes());
            m.put("sources", s.getSources());
            m.put("snapshots", s.getSnapshots());
            m.put("clones", s.getClones());
            m.put("clonesRunning", s.getClonesRunning());
            m.put("ports", s.getPorts());
            m.put("portsFree", s.getPortsFree());
            m.put("startedAt", s.getStartedAt());
            m.put("uptimeMs", s.getUptimeMs());
            m.put("clonesMax", s.getClonesMax());
            m.put("poolMinFreeBytes", s.getPoolMinFreeBytes());
            m.put("usageAccounting", Views.orNull(s.getUsageAccounting()));
            m.put("warmClones", s.getWarmClones());
            m.put("warmMemoryBytes", s.getWarmMemoryBytes());
            m.put("clonesUsedBytes", s.getClonesUsedBytes());
            m.put("caller", s.getCaller());
            m.put("callerRole", s.getCallerRole());
            m.put("apiListen", Views.orNull(s.getApiListen()));
            Output.json(out(), m);
            return;
        }
        line("kopid", s.getVersion() + ", up " + Output.millis(s.getUptimeMs()));
        line("pool", s.getBackend() + " " + s.getPool() + (s.getPoolImage().isEmpty() ? "" : " (image " + s.getPoolImage() + ")"));
        line("space", Output.bytes(s.getPoolUsedBytes()) + " used, " + Output.bytes(s.getPoolFreeBytes()) + " free of "
                + Output.bytes(s.getPoolSizeBytes()) + ", min free " + Output.bytes(s.getPoolMinFreeBytes()));
        line("sources", Integer.toString(s.getSources()));
        line("snapshots", Integer.toString(s.getSnapshots()));
        line("clones", s.getClones() + " (" + s.getClonesRunning() + " running), "
                + (s.getClonesMax() > 0 ? "max " + s.getClonesMax() : "no limit"));
        if (s.getWarmClones() > 0) {
            line("warm", s.getWarmClones() + " clones ready for hand-out, using " + Output.bytes(s.getWarmMemoryBytes())
                    + " of memory");
        }
        line("usage", s.getUsageAccounting().isEmpty() ? "off"
                : s.getUsageAccounting() + ", clones use " + (s.getClonesUsedBytes() < 0 ? "unknown"
                        : Output.bytes(s.getClonesUsedBytes())));
        line("ports", s.getPorts() + " (" + s.getPortsFree() + " free)");
        if (!s.getApiListen().isEmpty()) {
            line("api", "Unix socket and " + s.getApiListen() + " (TLS)");
        }
        if (!s.getCaller().isEmpty()) {
            line("you", s.getCaller() + " (" + s.getCallerRole() + ")");
        }
    }

    private void line(String k, String v) {
        out().printf("%-10s %s%n", k + ":", v);
    }
}
