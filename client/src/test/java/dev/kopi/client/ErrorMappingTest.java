package dev.kopi.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Every gRPC status code becomes a KopiClientException of the right kind, with kopid's words as message. */
class ErrorMappingTest {
    private FakeKopid kopid;
    private KopiClient client;

    @BeforeEach
    void start() throws Exception {
        kopid = FakeKopid.inProcess();
        client = KopiClient.forChannel(kopid.channel());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        kopid.close();
    }

    @ParameterizedTest
    @CsvSource({
            "INVALID_ARGUMENT,    INVALID_ARGUMENT",
            "OUT_OF_RANGE,        INVALID_ARGUMENT",
            "NOT_FOUND,           NOT_FOUND",
            "ALREADY_EXISTS,      ALREADY_EXISTS",
            "FAILED_PRECONDITION, FAILED_PRECONDITION",
            "ABORTED,             FAILED_PRECONDITION",
            "RESOURCE_EXHAUSTED,  RESOURCE_EXHAUSTED",
            "UNAVAILABLE,         UNAVAILABLE",
            "DEADLINE_EXCEEDED,   DEADLINE_EXCEEDED",
            "PERMISSION_DENIED,   PERMISSION_DENIED",
            "UNAUTHENTICATED,     UNAUTHENTICATED",
            "CANCELLED,           CANCELLED",
            "INTERNAL,            INTERNAL",
            "DATA_LOSS,           INTERNAL",
            "UNKNOWN,             UNKNOWN",
    })
    void serverErrorsKeepKopidsDescription(Status.Code code, KopiClientException.Kind kind) {
        kopid.failNext("CreateClone", Status.fromCode(code).withDescription("what kopid said"));
        KopiClientException e = assertThrows(KopiClientException.class, () -> client.clone("demo"));
        assertEquals(kind, e.kind());
        assertEquals("what kopid said", e.getMessage());
        assertInstanceOf(StatusRuntimeException.class, e.getCause());
    }

    @ParameterizedTest
    @EnumSource(value = Status.Code.class, names = "OK", mode = EnumSource.Mode.EXCLUDE)
    void everyCodeHasAKind(Status.Code code) {
        kopid.failNext("GetClone", Status.fromCode(code));
        KopiClientException e = assertThrows(KopiClientException.class, () -> client.getClone("x"));
        assertEquals(KopiClientException.kind(code), e.kind());
        assertTrue(!e.getMessage().isBlank(), "a message even without a description");
    }

    @Test
    void eachRpcIsMapped() {
        String[] rpcs = {"CreateClone", "GetClone", "ListClones", "ResetClone", "DestroyClone", "ListSnapshots",
                "GetStatus"};
        Runnable[] calls = {
                () -> client.clone("demo"),
                () -> client.getClone("x"),
                client::clones,
                () -> client.reset("x"),
                () -> client.destroy("x"),
                client::snapshots,
                client::status,
        };
        for (int i = 0; i < rpcs.length; i++) {
            kopid.failNext(rpcs[i], Status.RESOURCE_EXHAUSTED.withDescription("no free port"));
            KopiClientException e = assertThrows(KopiClientException.class, calls[i]::run, rpcs[i]);
            assertEquals(KopiClientException.Kind.RESOURCE_EXHAUSTED, e.kind(), rpcs[i]);
            assertEquals("no free port", e.getMessage(), rpcs[i]);
        }
    }

    @Test
    void realServerMessagesComeThrough() {
        KopiClientException e = assertThrows(KopiClientException.class, () -> client.clone("nosuchsource"));
        assertEquals(KopiClientException.Kind.NOT_FOUND, e.kind());
        assertEquals("snapshot 'nosuchsource' not found", e.getMessage());
        e = assertThrows(KopiClientException.class, () -> client.newClone("demo").name("Bad Name").create());
        assertEquals(KopiClientException.Kind.INVALID_ARGUMENT, e.kind());
        client.newClone("demo").name("taken").create();
        e = assertThrows(KopiClientException.class, () -> client.newClone("demo").name("taken").create());
        assertEquals(KopiClientException.Kind.ALREADY_EXISTS, e.kind());
    }

    @Test
    void transportFailuresNameTheTarget() {
        StatusRuntimeException s = Status.UNAVAILABLE.withDescription("io exception")
                .withCause(new IOException("Connection refused")).asRuntimeException();
        KopiClientException e = KopiClientException.from(s, "/run/kopi/kopi.sock");
        assertEquals(KopiClientException.Kind.UNAVAILABLE, e.kind());
        assertEquals("cannot reach kopid at /run/kopi/kopi.sock: io exception: Connection refused", e.getMessage());

        e = KopiClientException.from(Status.DEADLINE_EXCEEDED.withCause(new IOException("slow")).asRuntimeException(),
                "/s");
        assertEquals("kopid at /s did not answer in time: deadline exceeded: slow", e.getMessage());
    }

    @Test
    void unimplementedSaysKopidIsOlder() {
        KopiClientException e = KopiClientException.from(
                Status.UNIMPLEMENTED.withDescription("Method not found: kopi.v1.CloneService/X").asRuntimeException(),
                "/s");
        assertEquals(KopiClientException.Kind.UNIMPLEMENTED, e.kind());
        assertTrue(e.getMessage().contains("older than the client"), e.getMessage());
    }
}
