package dev.kopi.daemon.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.auth.FailedAttempts;
import dev.kopi.daemon.auth.Role;
import dev.kopi.daemon.auth.Tokens;
import dev.kopi.daemon.clone.ClonePolicy;
import dev.kopi.daemon.schema.SchemaDiffs;
import dev.kopi.daemon.testing.CloneFixture;
import dev.kopi.daemon.testing.MutableClock;
import dev.kopi.daemon.snapshot.PreparedSnapshots;
import dev.kopi.daemon.snapshot.Snapshots;
import dev.kopi.proto.v1.AbandonPreparedSnapshotRequest;
import dev.kopi.proto.v1.CloneServiceGrpc;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.CreateTokenRequest;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.proto.v1.DiffCloneRequest;
import dev.kopi.proto.v1.EventServiceGrpc;
import dev.kopi.proto.v1.ExtendCloneRequest;
import dev.kopi.proto.v1.GetCloneRequest;
import dev.kopi.proto.v1.FinishPreparedSnapshotRequest;
import dev.kopi.proto.v1.ListClonesRequest;
import dev.kopi.proto.v1.PrepareSnapshotRequest;
import dev.kopi.proto.v1.PrepareSnapshotResponse;
import dev.kopi.proto.v1.ProtectCloneRequest;
import dev.kopi.proto.v1.ResetCloneRequest;
import dev.kopi.proto.v1.SchemaServiceGrpc;
import dev.kopi.proto.v1.SnapshotServiceGrpc;
import dev.kopi.proto.v1.SourceServiceGrpc;
import dev.kopi.proto.v1.StatusServiceGrpc;
import dev.kopi.proto.v1.TokenServiceGrpc;

/**
 * The TCP API's authentication and authorization, through a real gRPC server (in-process) with
 * the real interceptor and services: who gets in, and what a user token reaches.
 */
class AccessTest {
    @TempDir
    Path tmp;
    private CloneFixture f;
    private Tokens tokens;
    private Server server;
    private ManagedChannel channel;
    private String alice;
    private String bob;
    private String admin;

    @BeforeEach
    void setUp() throws Exception {
        f = new CloneFixture(tmp, ClonePolicy.DEFAULTS, CloneFixture.Kind.FAKE);
        f.publish("prod", "20261124T020000Z", "2026-11-24T02:00:00Z");
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
        tokens = new Tokens(tmp.resolve("tokens.yaml"), clock);
        alice = tokens.create("alice", Role.USER);
        bob = tokens.create("bob", Role.USER);
        admin = tokens.create("ops", Role.ADMIN);
        Authentication auth = Authentication.bearer(tokens, new FailedAttempts(clock));
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(new CloneRpc(f.clones, null), auth))
                .addService(ServerInterceptors.intercept(new TokenRpc(tokens), auth))
                .addService(ServerInterceptors.intercept(new SchemaRpc(new SchemaDiffs(f.catalog, f.clones, f.backend,
                        f.instances, f.identities, tmp.resolve("schema-cache")), f.clones), auth))
                .addService(ServerInterceptors.intercept(snapshotRpc(), auth))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    /** Snapshot calls that need no refresher nor sources (no snapshot is built here). */
    private SnapshotRpc snapshotRpc() {
        Snapshots snapshots = new Snapshots(f.catalog, f.backend, f.clones, null, "prod"::equals, f.events);
        return new SnapshotRpc(snapshots, new PreparedSnapshots(f.catalog, snapshots, f.clones), f.clones, null);
    }

    @AfterEach
    void tearDown() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private CloneServiceGrpc.CloneServiceBlockingStub clones(String token) {
        return CloneServiceGrpc.newBlockingStub(channel).withInterceptors(bearer(token));
    }

    private static ClientInterceptor bearer(String token) {
        Metadata m = new Metadata();
        if (token != null) {
            m.put(Authentication.AUTHORIZATION, "Bearer " + token);
        }
        return MetadataUtils.newAttachHeadersInterceptor(m);
    }

    private static Status.Code code(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
    }

    private static CreateCloneRequest clone(String name) {
        return CreateCloneRequest.newBuilder().setSnapshot("prod").setName(name).build();
    }

    @Test
    void aUserReachesTheirOwnClonesAndNoOneElses() {
        assertEquals("alice", clones(alice).createClone(clone("a1")).getOwner());
        assertEquals("bob", clones(bob).createClone(clone("b1")).getOwner());

        assertEquals(Status.Code.PERMISSION_DENIED, code(() -> clones(bob).getClone(get("a1"))));
        assertEquals(Status.Code.PERMISSION_DENIED, code(() -> clones(bob).destroyClone(
                DestroyCloneRequest.newBuilder().setName("a1").build())));
        assertEquals(Status.Code.PERMISSION_DENIED, code(() -> clones(bob).resetClone(
                ResetCloneRequest.newBuilder().setName("a1").build())));
        assertEquals(Status.Code.PERMISSION_DENIED, code(() -> clones(bob).extendClone(
                ExtendCloneRequest.newBuilder().setName("a1").setBy("1h").build())));
        assertTrue(f.catalog.clone("a1").isPresent(), "bob's attempts changed nothing");

        assertEquals(List.of("b1"), names(clones(bob)));
        assertEquals(List.of("a1"), names(clones(alice)));
        assertEquals(List.of("a1", "b1"), names(clones(admin)));
        assertEquals("a1", clones(alice).getClone(get("a1")).getName());
        assertEquals("a1", clones(admin).getClone(get("a1")).getName(), "admins reach every clone");

        clones(alice).destroyClone(DestroyCloneRequest.newBuilder().setName("a1").build());
        assertTrue(f.catalog.clone("a1").isEmpty());
    }

    @Test
    void aUserDiffsTheirOwnClonesOnly() {
        clones(alice).createClone(clone("a1"));
        SchemaServiceGrpc.SchemaServiceBlockingStub bobs = SchemaServiceGrpc.newBlockingStub(channel)
                .withInterceptors(bearer(bob));
        SchemaServiceGrpc.SchemaServiceBlockingStub alices = SchemaServiceGrpc.newBlockingStub(channel)
                .withInterceptors(bearer(alice));
        DiffCloneRequest a1 = DiffCloneRequest.newBuilder().setName("a1").build();
        assertEquals(Status.Code.PERMISSION_DENIED, code(() -> bobs.diffClone(a1)));
        // Past the access check: the fake instance speaks no SQL, so the read fails after it.
        assertEquals(Status.Code.FAILED_PRECONDITION, code(() -> alices.diffClone(a1)));
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
                () -> alices.diffClone(DiffCloneRequest.newBuilder().setName("nope").build()));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
        assertTrue(unknown.getStatus().getDescription().contains("kopictl clones"), unknown.getMessage());
    }

    @Test
    void aUserPreparesInAScopeOfTheirOwnAndCannotTouchAnothersBuild() {
        SnapshotServiceGrpc.SnapshotServiceBlockingStub asAlice = SnapshotServiceGrpc.newBlockingStub(channel)
                .withInterceptors(bearer(alice));
        SnapshotServiceGrpc.SnapshotServiceBlockingStub asBob = SnapshotServiceGrpc.newBlockingStub(channel)
                .withInterceptors(bearer(bob));
        PrepareSnapshotRequest req = PrepareSnapshotRequest.newBuilder().setBase("prod").setKey("abc123").build();

        PrepareSnapshotResponse a = asAlice.prepareSnapshot(req);
        assertEquals("alice", a.getBuild().getOwner(), "the builder clone is the caller's");
        assertTrue(asBob.prepareSnapshot(req).hasBuild(), "bob does not wait for alice's build: a scope of his own");
        String built = a.getBuild().getName();
        assertEquals(Status.Code.PERMISSION_DENIED, code(() -> asBob.finishPreparedSnapshot(
                FinishPreparedSnapshotRequest.newBuilder().setClone(built).build())));
        assertEquals(Status.Code.PERMISSION_DENIED, code(() -> asBob.abandonPreparedSnapshot(
                AbandonPreparedSnapshotRequest.newBuilder().setClone(built).build())));
        assertTrue(f.catalog.clone(built).isPresent(), "bob's attempts changed nothing");

        asAlice.abandonPreparedSnapshot(AbandonPreparedSnapshotRequest.newBuilder().setClone(built).build());
        assertTrue(f.catalog.clone(built).isEmpty());
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> asAlice.prepareSnapshot(req.toBuilder().setKey("A!")
                .build())));
    }

    @Test
    void protectionAndTokensAreForAdminsOnly() {
        assertEquals(Status.Code.PERMISSION_DENIED, code(() -> clones(alice).createClone(clone("p1").toBuilder()
                .setProtect(true).build())));
        assertTrue(f.catalog.clone("p1").isEmpty());
        clones(alice).createClone(clone("a1"));
        assertEquals(Status.Code.PERMISSION_DENIED, code(() -> clones(alice).protectClone(
                ProtectCloneRequest.newBuilder().setName("a1").setProtect(true).build())));
        assertEquals(Status.Code.PERMISSION_DENIED, code(() -> TokenServiceGrpc.newBlockingStub(channel)
                .withInterceptors(bearer(alice)).createToken(CreateTokenRequest.newBuilder().setName("mine")
                        .setRole("admin").build())));
        assertEquals(3, tokens.list().size());
        assertEquals("x", TokenServiceGrpc.newBlockingStub(channel).withInterceptors(bearer(admin))
                .createToken(CreateTokenRequest.newBuilder().setName("x").setRole("user").build()).getToken().getName());
    }

    @Test
    void noTokenAWrongOneAndARevokedOneGetTheSameRefusal() {
        StatusRuntimeException none = assertThrows(StatusRuntimeException.class, () -> clones(null).listClones(list()));
        StatusRuntimeException wrong = assertThrows(StatusRuntimeException.class,
                () -> clones(alice.substring(0, alice.length() - 1) + "x").listClones(list()));
        tokens.revoke("bob");
        StatusRuntimeException revoked = assertThrows(StatusRuntimeException.class, () -> clones(bob).listClones(list()));
        for (StatusRuntimeException e : List.of(none, wrong, revoked)) {
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
            assertEquals(Authentication.REFUSED, e.getStatus().getDescription());
        }
    }

    @Test
    void aPeerThatKeepsGuessingIsHeldBackEvenWithAGoodToken() {
        for (int i = 0; i < FailedAttempts.LIMIT; i++) {
            assertEquals(Status.Code.UNAUTHENTICATED, code(() -> clones("kopi_guess").listClones(list())));
        }
        StatusRuntimeException held = assertThrows(StatusRuntimeException.class, () -> clones(alice).listClones(list()));
        assertEquals(Status.Code.UNAUTHENTICATED, held.getStatus().getCode());
        assertTrue(held.getStatus().getDescription().contains("too many failed attempts"), held.getMessage());
    }

    /** A method a user may call is listed on purpose: adding one to the API leaves it to admins until then. */
    @Test
    void everyMethodNotOpenedToUsersNeedsAnAdmin() {
        Set<String> adminOnly = new TreeSet<>();
        for (ServiceDescriptor s : List.of(CloneServiceGrpc.getServiceDescriptor(),
                SnapshotServiceGrpc.getServiceDescriptor(), SourceServiceGrpc.getServiceDescriptor(),
                StatusServiceGrpc.getServiceDescriptor(), EventServiceGrpc.getServiceDescriptor(),
                TokenServiceGrpc.getServiceDescriptor(), SchemaServiceGrpc.getServiceDescriptor())) {
            s.getMethods().stream().map(m -> m.getFullMethodName()).filter(m -> !Access.USER_METHODS.contains(m))
                    .forEach(adminOnly::add);
        }
        assertEquals(List.of("CloneService/ProtectClone", "EventService/WatchEvents",
                "SnapshotService/CreatePointInTimeSnapshot", "SnapshotService/DeleteSnapshot",
                "SourceService/AddSource", "SourceService/Refresh", "SourceService/RemoveSource",
                "TokenService/CreateToken", "TokenService/ListTokens", "TokenService/RevokeToken"),
                adminOnly.stream().map(m -> m.substring("kopi.v1.".length())).toList());
    }

    private static GetCloneRequest get(String name) {
        return GetCloneRequest.newBuilder().setName(name).build();
    }

    private static ListClonesRequest list() {
        return ListClonesRequest.getDefaultInstance();
    }

    private static List<String> names(CloneServiceGrpc.CloneServiceBlockingStub stub) {
        return stub.listClones(list()).getClonesList().stream().map(c -> c.getName()).sorted().toList();
    }
}
