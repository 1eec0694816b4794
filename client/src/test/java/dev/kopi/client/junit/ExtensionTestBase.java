package dev.kopi.client.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import dev.kopi.client.FakeDriver;
import dev.kopi.client.FakeKopid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * Runs example test classes (static nested classes, which Surefire does not run by themselves)
 * through the real Jupiter engine, with {@code kopi.socket} pointing at a fake kopid on a Unix
 * socket. Examples report what they saw through {@link #seen}.
 */
abstract class ExtensionTestBase {
    /** The fake the examples' clones live on (examples check it while they run). */
    static volatile FakeKopid kopid;
    /** What example tests saw, e.g. "test1 junit-x-test1-abc123". */
    static final Queue<String> seen = new ConcurrentLinkedQueue<>();

    @TempDir
    Path dir;
    Path socket;

    @BeforeEach
    void startKopid() throws Exception {
        FakeDriver.register();
        seen.clear();
        socket = dir.resolve("kopi.sock");
        kopid = FakeKopid.onSocket(socket, "fakehost");
    }

    @AfterEach
    void stopKopid() throws Exception {
        kopid.close();
    }

    /** Runs {@code example} with {@code kopi.socket} set, plus {@code params} (key, value, key, value...). */
    EngineExecutionResults run(Class<?> example, String... params) {
        Map<String, String> map = new HashMap<>();
        map.put(KopiExtension.SOCKET_PARAMETER, socket.toString());
        for (int i = 0; i < params.length; i += 2) {
            if (params[i + 1] == null) {
                map.remove(params[i]);
            } else {
                map.put(params[i], params[i + 1]);
            }
        }
        return EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(example))
                .configurationParameters(map)
                .execute();
    }

    /** Values recorded under {@code key}, in order. */
    static List<String> seen(String key) {
        return seen.stream().filter(s -> s.startsWith(key + " ")).map(s -> s.substring(key.length() + 1)).toList();
    }

    static void see(String key, Object value) {
        seen.add(key + " " + value);
    }

    /** The messages of failed tests and containers. */
    static List<String> failures(EngineExecutionResults results) {
        return results.allEvents().failed().stream()
                .map(e -> e.getRequiredPayload(TestExecutionResult.class).getThrowable()
                        .map(ExtensionTestBase::messages).orElse("?"))
                .toList();
    }

    /** A throwable's message and its causes' messages. */
    static String messages(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(" | ");
        }
        return b.toString();
    }
}
