package dev.kopi.daemon.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Assumptions;

/** Finds ranges of ports nothing listens on, below the ephemeral range. */
public final class FreePorts {
    private FreePorts() {
    }

    /** First port of {@code n} consecutive ports bindable on loopback. */
    public static int range(int n) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = 20_000 + ThreadLocalRandom.current().nextInt(10_000 - n);
            if (IntStream.range(base, base + n).allMatch(FreePorts::bindable)) {
                return base;
            }
        }
        Assumptions.abort("no range of " + n + " free ports found");
        throw new IllegalStateException();
    }

    public static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
