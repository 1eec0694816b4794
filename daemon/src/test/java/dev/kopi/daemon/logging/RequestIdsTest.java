package dev.kopi.daemon.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import io.grpc.Metadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.kopi.daemon.testing.EchoServer;

/** Every call gets a request id: current while kopid works on it, and sent back to the caller. */
class RequestIdsTest {
    private EchoServer echo;

    @BeforeEach
    void start() throws Exception {
        echo = new EchoServer(List.of(new RequestIds()), RequestIds::current);
    }

    @AfterEach
    void stop() throws Exception {
        echo.close();
    }

    @Test
    void aCallGetsAFreshIdThatIsCurrentWhileItRunsAndAnsweredInTheHeaders() {
        AtomicReference<Metadata> answered = new AtomicReference<>();
        echo.say("hi", new Metadata(), answered);
        String id = answered.get().get(RequestIds.HEADER);
        assertTrue(id != null && id.matches("[a-z2-9]{12}"), String.valueOf(id));
        assertEquals(id, echo.probed.get());
        assertNull(RequestIds.current(), "nothing is left current on the test's thread");

        echo.say("hi", new Metadata(), answered);
        assertNotEquals(id, answered.get().get(RequestIds.HEADER), "each call its own");
    }

    @Test
    void theCallersOwnIdIsKeptWhenItIsSane() {
        Metadata headers = new Metadata();
        headers.put(RequestIds.HEADER, "ci-run-42.step:7");
        AtomicReference<Metadata> answered = new AtomicReference<>();
        echo.say("hi", headers, answered);
        assertEquals("ci-run-42.step:7", echo.probed.get());
        assertEquals("ci-run-42.step:7", answered.get().get(RequestIds.HEADER));
    }

    @Test
    void anIdThatCouldForgeALogLineIsReplaced() {
        Metadata headers = new Metadata();
        headers.put(RequestIds.HEADER, "x\" level=SEVERE");
        echo.say("hi", headers, new AtomicReference<>());
        assertTrue(echo.probed.get().matches("[a-z2-9]{12}"), echo.probed.get());
    }

    @Test
    void fieldsMadeDuringACallCarryItsId() {
        RequestIds.with("abc", () -> assertEquals("abc", LogFields.of("clone", "x").asMap().get("request")));
        assertNull(LogFields.of("clone", "x").asMap().get("request"));
    }
}
