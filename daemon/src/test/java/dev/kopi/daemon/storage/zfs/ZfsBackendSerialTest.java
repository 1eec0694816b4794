package dev.kopi.daemon.storage.zfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.storage.VolumeId;

/** kopid runs one zfs command at a time, however many requests reach the backend at once. */
class ZfsBackendSerialTest {

    /** Counts the zfs commands in flight around the fake, each lasting a few milliseconds. */
    private static final class Overlaps implements ProcessRunner {
        final FakeZfs zfs = new FakeZfs("tank");
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();

        @Override
        public Result run(List<String> argv, Map<String, String> env, byte[] stdin, Duration timeout)
                throws IOException {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                Thread.sleep(3);
                synchronized (zfs) { // the fake itself is not thread-safe
                    return zfs.run(argv, env, stdin, timeout);
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            } finally {
                inFlight.decrementAndGet();
            }
        }

        @Override
        public Process spawn(List<String> argv, Path log) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void concurrentClonesAndDestroysNeverOverlapTheirZfsCommands() throws Exception {
        Overlaps runner = new Overlaps();
        ZfsBackend backend = new ZfsBackend("tank/kopi", runner);
        VolumeId snap = VolumeId.snapshot("prod", "20261123T020000Z");
        backend.create(VolumeId.staging("prod-0a1b2c3d"));
        backend.seal(VolumeId.staging("prod-0a1b2c3d"), snap);
        runner.most.set(0);

        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            VolumeId clone = VolumeId.clone("c" + i);
            Thread t = new Thread(() -> {
                try {
                    backend.clone(snap, clone);
                    backend.destroy(clone);
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of(), errors);
        assertEquals(1, runner.most.get(), "zfs commands ran at once");
        assertTrue(runner.zfs.callsOf("destroy").size() >= 4, runner.zfs.calls.toString());
    }
}
