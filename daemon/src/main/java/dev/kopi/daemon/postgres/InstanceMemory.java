package dev.kopi.daemon.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a running instance costs in memory: the proportional set size (PSS) of its postmaster
 * and all its children, from /proc/PID/smaps_rollup. PSS divides shared pages (the binary,
 * shared_buffers) among the processes mapping them, so the sum over many instances is honest.
 */
public final class InstanceMemory {
    private InstanceMemory() {
    }

    /** Bytes, or 0 when the processes are gone or unreadable. */
    public static long pss(long postmasterPid) {
        return ProcessHandle.of(postmasterPid).map(p -> one(p.pid())
                + p.descendants().mapToLong(c -> one(c.pid())).sum()).orElse(0L);
    }

    private static long one(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone meanwhile, or no such file on this kernel
        }
        return 0;
    }
}
