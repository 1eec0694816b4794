package dev.kopi.daemon.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.testing.FreePorts;

class PortAllocatorTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private static PortAllocator allocator(int first, int size) {
        return new PortAllocator(first, first + size - 1, LOOPBACK);
    }

    @Test
    void reservesDistinctPortsWithinTheRange() {
        int first = FreePorts.range(5);
        PortAllocator ports = allocator(first, 5);
        Set<Integer> got = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            int p = ports.reserve();
            assertTrue(p >= first && p < first + 5, "port " + p + " outside " + first + "+5");
            assertTrue(got.add(p), "port " + p + " handed out twice");
        }
        assertEquals(0, ports.free());
    }

    @Test
    void handsOutPortsInOrderAndWrapsAround() {
        int first = FreePorts.range(3);
        PortAllocator ports = allocator(first, 3);
        assertEquals(first, ports.reserve());
        assertEquals(first + 1, ports.reserve());
        ports.release(first);
        assertEquals(first + 2, ports.reserve());
        assertEquals(first, ports.reserve(), "wraps to the released port once the rest is used");
    }

    @Test
    void releasedPortIsNotImmediatelyReused() {
        int first = FreePorts.range(4);
        PortAllocator ports = allocator(first, 4);
        int a = ports.reserve();
        ports.release(a);
        int b = ports.reserve();
        assertNotEquals(a, b);
        ports.release(b);
        assertNotEquals(b, ports.reserve());
    }

    @Test
    void claimedPortIsNotHandedOut() {
        int first = FreePorts.range(3);
        PortAllocator ports = allocator(first, 3);
        ports.claim(first);
        ports.claim(first + 2);
        assertEquals(first + 1, ports.reserve());
        assertThrows(KopiException.class, ports::reserve);
    }

    @Test
    void freeCountsReservationsClaimsAndReleasesWithinTheRange() {
        int first = FreePorts.range(5);
        PortAllocator ports = allocator(first, 5);
        assertEquals(5, ports.free());
        int p = ports.reserve();
        assertEquals(4, ports.free());
        ports.claim(first + 4);
        assertEquals(3, ports.free());
        ports.claim(first + 4);
        assertEquals(3, ports.free(), "claiming twice counts once");
        ports.claim(first + 100);
        assertEquals(3, ports.free(), "a claim outside the range does not count");
        ports.release(p);
        assertEquals(4, ports.free());
    }

    @Test
    void skipsAPortSomethingElseListensOn() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(LOOPBACK, 0));
            int port = busy.getLocalPort();
            Assumptions.assumeTrue(port < 65535 && FreePorts.bindable(port + 1), "neighbour port is in use");
            PortAllocator ports = new PortAllocator(port, port + 1, LOOPBACK);
            assertEquals(port + 1, ports.reserve());
            assertEquals(1, ports.free(), "a busy port is skipped, not marked as Kopi's");
        }
    }

    @Test
    void rangeWithOnlyBusyPortsIsExhausted() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(LOOPBACK, 0));
            int port = busy.getLocalPort();
            KopiException e = assertThrows(KopiException.class, () -> new PortAllocator(port, port, LOOPBACK).reserve());
            assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED, e.kind());
        }
    }

    @Test
    void exhaustedRangeIsResourceExhaustedWithAClearMessage() {
        int first = FreePorts.range(2);
        PortAllocator ports = allocator(first, 2);
        ports.reserve();
        ports.reserve();
        KopiException e = assertThrows(KopiException.class, ports::reserve);
        assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED, e.kind());
        String m = e.getMessage();
        assertTrue(m.contains(first + "-" + (first + 1)), m);
        assertTrue(m.contains("2 used by clones"), m);
        assertTrue(m.contains("postgres.ports"), m);
    }

    @Test
    void concurrentReservationsNeverShareAPort() throws Exception {
        int size = 200;
        int first = FreePorts.range(size);
        PortAllocator ports = allocator(first, size);
        int threads = 16;
        int each = 10;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<Integer>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Callable<List<Integer>> task = () -> {
                    go.await();
                    List<Integer> mine = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        mine.add(ports.reserve());
                    }
                    return mine;
                };
                results.add(pool.submit(task));
            }
            go.countDown();
            List<Integer> all = new ArrayList<>();
            for (Future<List<Integer>> f : results) {
                all.addAll(f.get(60, TimeUnit.SECONDS));
            }
            assertEquals(threads * each, all.size());
            assertEquals(threads * each, new HashSet<>(all).size(), "a port was handed out twice");
            assertTrue(all.stream().allMatch(p -> p >= first && p < first + size));
            assertEquals(size - threads * each, ports.free());
        } finally {
            pool.shutdownNow();
        }
    }
}
