package dev.kopi.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.kopi.proto.v1.DiffCloneRequest;
import dev.kopi.proto.v1.SchemaChange;

class SchemaDiffClientTest {
    private FakeKopid kopid;
    private KopiClient client;

    @BeforeEach
    void start() throws Exception {
        kopid = FakeKopid.inProcess();
        client = KopiClient.forChannel(kopid.channel());
    }

    @AfterEach
    void stop() {
        client.close();
        kopid.close();
    }

    @Test
    void aDiffIsTypedWithAbsentDefinitionsAsNull() {
        kopid.reply("DiffClone", dev.kopi.proto.v1.SchemaDiff.newBuilder().setClone("ci-1").setAgainst("prod@t")
                .setDatabase("app").addAdded(SchemaChange.newBuilder().setKind("index").setName("public.i")
                        .setAfter("CREATE INDEX i ON public.t USING btree (a)"))
                .addChanged(SchemaChange.newBuilder().setKind("column").setName("public.t.a").setBefore("public.t.a int")
                        .setAfter("public.t.a bigint"))
                .setText("--- ...").setObjectsBefore(3).setObjectsAfter(4).build());
        SchemaDiff d = client.diff("ci-1");
        assertFalse(d.isEmpty());
        assertEquals("prod@t", d.against());
        assertEquals(List.of(new SchemaDiff.Change("index", "public.i", null, "CREATE INDEX i ON public.t USING btree (a)")),
                d.added());
        assertEquals("public.t.a int", d.changed().get(0).before());
        assertTrue(d.removed().isEmpty());
        DiffCloneRequest req = kopid.only(DiffCloneRequest.class);
        assertEquals("ci-1", req.getName());
        assertEquals("", req.getAgainst());
    }

    @Test
    void anEqualSchemaIsEmptyAndErrorsAreTyped() {
        kopid.reply("DiffClone", dev.kopi.proto.v1.SchemaDiff.newBuilder().setClone("ci-1").build(),
                Status.PERMISSION_DENIED.withDescription("clone 'ci-2' is not yours (token 'bob')"));
        assertTrue(client.diff("ci-1", "prod", "app").isEmpty());
        KopiClientException e = assertThrows(KopiClientException.class, () -> client.diff("ci-2"));
        assertEquals(KopiClientException.Kind.PERMISSION_DENIED, e.kind());
    }
}
