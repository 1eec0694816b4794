package dev.kopi.daemon.postgres;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Whether a starting server is recovering and getting on with it: its log has new "restored log
 * file" lines (archive recovery, one per WAL segment) or "redo in progress" lines (Postgres
 * reports crash recovery every {@code log_startup_progress_interval}) since the last look. Lets a
 * start that replays a long stretch of WAL (a point-in-time copy an hour back) run past
 * {@code postgres.start_timeout} while it keeps making headway; a server that is stuck, or
 * waits for WAL that never comes, still times out.
 */
final class RecoveryProgress {
    /** Only the newest part of what was written since the last look is read. */
    private static final int WINDOW = 64 * 1024;

    private final Path log;
    private long seen;

    RecoveryProgress(Path log, long from) {
        this.log = log;
        this.seen = from;
    }

    /** Whether the log shows recovery progress written since the previous call. */
    boolean advanced() {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long length = f.length();
            if (length <= seen) {
                return false;
            }
            long start = Math.max(seen, length - WINDOW);
            byte[] buf = new byte[(int) (length - start)];
            f.seek(start);
            f.readFully(buf);
            seen = length;
            String text = new String(buf, StandardCharsets.UTF_8);
            return text.contains("restored log file") || text.contains("redo in progress");
        } catch (IOException e) {
            return false;
        }
    }
}
