package dev.kopi.daemon.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A program's output, read to the end but kept within a bound: its first and its last
 * {@code keep} bytes, with a line saying how much was left out between them. The end is where
 * a tool's error is; the start says what it was doing.
 */
final class BoundedOutput {
    private BoundedOutput() {
    }

    static String read(InputStream in, int keep) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        byte[] ring = new byte[keep];
        long tailCount = 0;
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            int off = 0;
            if (head.size() < keep) {
                int take = Math.min(n, keep - head.size());
                head.write(buf, 0, take);
                off = take;
            }
            for (int i = off; i < n; i++) {
                ring[(int) (tailCount % keep)] = buf[i];
                tailCount++;
            }
        }
        String start = head.toString(StandardCharsets.UTF_8);
        if (tailCount == 0) {
            return start;
        }
        int tailLength = (int) Math.min(tailCount, keep);
        byte[] tail = new byte[tailLength];
        for (int i = 0; i < tailLength; i++) {
            tail[i] = ring[(int) ((tailCount - tailLength + i) % keep)];
        }
        long skipped = tailCount - tailLength;
        return start + (skipped > 0 ? "\n[... " + skipped + " bytes left out ...]\n" : "")
                + new String(tail, StandardCharsets.UTF_8);
    }
}
