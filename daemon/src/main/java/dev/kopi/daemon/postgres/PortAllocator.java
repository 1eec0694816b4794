package dev.kopi.daemon.postgres;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.BitSet;

import dev.kopi.daemon.core.KopiException;

/**
 * Hands out ports from the configured range, each to one clone at a time, skipping ports that
 * something else on the machine is already listening on. Thread-safe.
 */
public final class PortAllocator {
    private final int first;
    private final int last;
    private final InetAddress probeAddress;
    private final BitSet taken = new BitSet();
    private int next;

    /** The allocator of postgres.ports, probing on the first address of postgres.listen. */
    public static PortAllocator forListen(PostgresConfig pg) {
        try {
            String first = pg.listen().split(",")[0].strip();
            InetAddress probe = first.equals("*") || first.isEmpty() ? InetAddress.getByName("0.0.0.0")
                    : InetAddress.getByName(first);
            return new PortAllocator(pg.portFirst(), pg.portLast(), probe);
        } catch (IOException e) {
            throw KopiException.invalid("postgres.listen '" + pg.listen() + "' is not an address: " + e.getMessage());
        }
    }

    public PortAllocator(int first, int last, InetAddress probeAddress) {
        this.first = first;
        this.last = last;
        this.probeAddress = probeAddress;
        this.next = first;
    }

    /** Reserves a free port; RESOURCE_EXHAUSTED when the range is used up. */
    public synchronized int reserve() {
        int size = last - first + 1;
        for (int i = 0; i < size; i++) {
            // Round robin, so a just-released port is not handed out again at once.
            int port = first + (next - first + i) % size;
            if (!taken.get(port) && bindable(port)) {
                taken.set(port);
                next = port + 1 > last ? first : port + 1;
                return port;
            }
        }
        throw KopiException.exhausted("no free port in " + first + "-" + last + " (" + taken.cardinality()
                + " used by clones): destroy clones or widen postgres.ports");
    }

    /** Marks a port as used by an existing clone (on start, from the catalog). */
    public synchronized void claim(int port) {
        taken.set(port);
    }

    public synchronized void release(int port) {
        taken.clear(port);
    }

    public synchronized int free() {
        return (last - first + 1) - taken.get(first, last + 1).cardinality();
    }

    private boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // TIME_WAIT from a destroyed clone does not make the port busy
            s.bind(new InetSocketAddress(probeAddress, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
