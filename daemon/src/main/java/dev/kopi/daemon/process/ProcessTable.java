package dev.kopi.daemon.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The live processes of this host and the real uid each runs as, read from /proc. The uid comes
 * from {@code /proc/PID/status}, not from the owner of {@code /proc/PID}: a process can make
 * itself non-dumpable, and then its /proc directory belongs to root. Zombies are left out: they
 * run nothing and go once reaped.
 */
public final class ProcessTable {
    private static final Path PROC = Path.of("/proc");

    private ProcessTable() {
    }

    /** A live process: its pid, real uid, and whether it is stopped (SIGSTOP, or traced). */
    public record Entry(long pid, int uid, boolean stopped) {
    }

    /** Every live process. */
    public static List<Entry> all() {
        List<Entry> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(PROC, p -> isPid(p.getFileName().toString()))) {
            for (Path p : s) {
                String text;
                try {
                    text = Files.readString(p.resolve("status"), StandardCharsets.UTF_8);
                } catch (IOException | RuntimeException e) {
                    continue; // exited while we looked
                }
                Entry e = parse(Long.parseLong(p.getFileName().toString()), text);
                if (e != null) {
                    out.add(e);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + PROC + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The live processes whose real uid is {@code uid}. */
    public static List<Entry> of(int uid) {
        return all().stream().filter(e -> e.uid() == uid).toList();
    }

    /** The pids of the live processes whose real uid is {@code uid}. */
    public static List<Long> pidsOf(int uid) {
        return of(uid).stream().map(Entry::pid).toList();
    }

    /**
     * A status file's entry: the real uid is the first number of the "Uid:" line (real, effective,
     * saved, filesystem); null for a zombie.
     */
    static Entry parse(long pid, String status) {
        Integer uid = null;
        boolean stopped = false;
        for (String line : status.split("\n")) {
            if (line.startsWith("State:")) {
                String state = line.substring(6).strip();
                if (state.startsWith("Z") || state.startsWith("X")) {
                    return null;
                }
                stopped = state.startsWith("T") || state.startsWith("t");
            } else if (line.startsWith("Uid:")) {
                uid = Integer.parseUnsignedInt(line.substring(4).strip().split("\\s+")[0]);
            }
        }
        return uid == null ? null : new Entry(pid, uid, stopped);
    }

    private static boolean isPid(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
