package dev.kopi.daemon.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.kopi.daemon.core.KopiException;

class ErrorsTest {
    private static final Logger ERRORS_LOG = Logger.getLogger(Errors.class.getName());
    private static final Map<KopiException.Kind, Status.Code> EXPECTED = new EnumMap<>(Map.of(
            KopiException.Kind.PERMISSION_DENIED, Status.Code.PERMISSION_DENIED,
            KopiException.Kind.UNAUTHENTICATED, Status.Code.UNAUTHENTICATED,
            KopiException.Kind.INVALID_ARGUMENT, Status.Code.INVALID_ARGUMENT,
            KopiException.Kind.NOT_FOUND, Status.Code.NOT_FOUND,
            KopiException.Kind.ALREADY_EXISTS, Status.Code.ALREADY_EXISTS,
            KopiException.Kind.FAILED_PRECONDITION, Status.Code.FAILED_PRECONDITION,
            KopiException.Kind.RESOURCE_EXHAUSTED, Status.Code.RESOURCE_EXHAUSTED,
            KopiException.Kind.UNAVAILABLE, Status.Code.UNAVAILABLE,
            KopiException.Kind.INTERNAL, Status.Code.INTERNAL));
    private static Level savedLevel;

    @BeforeAll
    static void quietLog() {
        savedLevel = ERRORS_LOG.getLevel();
        ERRORS_LOG.setLevel(Level.OFF);
    }

    @AfterAll
    static void restoreLog() {
        ERRORS_LOG.setLevel(savedLevel);
    }

    @Test
    void everyKindHasAnExpectedCode() {
        assertEquals(KopiException.Kind.values().length, EXPECTED.size());
    }

    @ParameterizedTest
    @EnumSource(KopiException.Kind.class)
    void kindMapsToItsStatusCodeWithTheMessageAsDescription(KopiException.Kind kind) {
        String message = "clone 'x' is busy; try again (" + kind + ")";
        StatusRuntimeException s = Errors.toStatus(new KopiException(kind, message));
        assertEquals(EXPECTED.get(kind), s.getStatus().getCode());
        assertEquals(message, s.getStatus().getDescription());
    }

    @Test
    void factoryMethodsProduceTheirKinds() {
        assertEquals(Status.Code.INVALID_ARGUMENT, code(KopiException.invalid("m")));
        assertEquals(Status.Code.NOT_FOUND, code(KopiException.notFound("m")));
        assertEquals(Status.Code.ALREADY_EXISTS, code(KopiException.exists("m")));
        assertEquals(Status.Code.FAILED_PRECONDITION, code(KopiException.precondition("m")));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, code(KopiException.exhausted("m")));
        assertEquals(Status.Code.UNAVAILABLE, code(KopiException.unavailable("m")));
        assertEquals(Status.Code.INTERNAL, code(KopiException.internal("m", null)));
    }

    @Test
    void internalWithACauseDescribesOnlyTheMessage() {
        KopiException k = KopiException.internal("cannot write catalog /x: disk on fire",
                new IllegalStateException("deep detail"));
        String d = Errors.toStatus(k).getStatus().getDescription();
        assertEquals("cannot write catalog /x: disk on fire", d);
    }

    @Test
    void unexpectedExceptionIsInternalWithoutAStackTrace() {
        RuntimeException bug = new IllegalStateException("index 3 out of bounds");
        StatusRuntimeException s = Errors.toStatus(bug);
        assertEquals(Status.Code.INTERNAL, s.getStatus().getCode());
        String d = s.getStatus().getDescription();
        assertTrue(d.startsWith("internal error in kopid: "), d);
        assertTrue(d.contains("index 3 out of bounds"), d);
        assertTrue(d.contains("kopid's log"), d);
        assertFalse(d.contains("\n"), d);
        assertFalse(d.contains("\tat "), d);
        assertFalse(d.contains(ErrorsTest.class.getSimpleName()), d);
    }

    @Test
    void unexpectedExceptionWithoutMessageIsStillDescribed() {
        String d = Errors.toStatus(new NullPointerException()).getStatus().getDescription();
        assertTrue(d.contains("NullPointerException"), d);
        assertFalse(d.contains(ErrorsTest.class.getSimpleName()), d);
    }

    @Test
    void statusExceptionsPassThroughUnchanged() {
        StatusRuntimeException original = Status.DEADLINE_EXCEEDED.withDescription("slow").asRuntimeException();
        assertSame(original, Errors.toStatus(original));
    }

    private static Status.Code code(KopiException e) {
        return Errors.toStatus(e).getStatus().getCode();
    }
}
