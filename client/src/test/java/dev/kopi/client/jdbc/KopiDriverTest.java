package dev.kopi.client.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.kopi.client.FakeKopid;
import dev.kopi.client.KopiClient;
import dev.kopi.proto.v1.CreateCloneRequest;

/** jdbc:kopi: URLs against a fake kopid: one clone per URL, shared, destroyed after its last connection lingers. */
class KopiDriverTest {
    private FakeKopid kopid;
    private KopiClient client;
    private CloneLeases leases;
    private KopiDriver driver;
    /** The clone each fake connection was opened to. */
    private final List<String> opened = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        kopid = FakeKopid.inProcess();
        client = KopiClient.forChannel(kopid.channel());
        leases = new CloneLeases(() -> client, clone -> {
            opened.add(clone.name());
            boolean[] closed = {false};
            return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                    (p, m, a) -> switch (m.getName()) {
                        case "close" -> {
                            closed[0] = true;
                            yield null;
                        }
                        case "isClosed" -> closed[0];
                        case "getCatalog" -> clone.database();
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
        });
        driver = new KopiDriver(leases);
    }

    @AfterEach
    void stop() throws Exception {
        leases.destroyAll();
        client.close();
        kopid.close();
    }

    private Connection connect(String url) throws SQLException {
        return driver.connect(url, new Properties());
    }

    @Test
    void acceptsOnlyItsOwnUrlsAndLeavesOthersToTheirDrivers() throws Exception {
        assertTrue(driver.acceptsURL("jdbc:kopi:prod"));
        assertFalse(driver.acceptsURL("jdbc:postgresql://localhost/app"));
        assertNull(driver.connect("jdbc:postgresql://localhost/app", new Properties()));
        assertEquals(List.of(), kopid.creates);
    }

    @Test
    void connectionsOfOneUrlShareOneCloneAndAnotherUrlGetsItsOwn() throws Exception {
        try (Connection a = connect("jdbc:kopi:prod?ttl=1h"); Connection b = connect("jdbc:kopi:prod?ttl=1h");
             Connection c = connect("jdbc:kopi:prod?ttl=2h")) {
            assertEquals(2, kopid.creates.size(), "one clone per URL");
            assertEquals(opened.get(0), opened.get(1));
            assertFalse(opened.get(0).equals(opened.get(2)));
            assertEquals("1h", kopid.creates.get(0).getTtl());
            assertEquals("app", a.getCatalog(), "calls reach the real connection");
        }
    }

    @Test
    void theCloneGoesWhenItsLastConnectionClosedAndNoneCameBackWithinTheLinger() throws Exception {
        String url = "jdbc:kopi:prod?linger=0s";
        Connection a = connect(url);
        Connection b = connect(url);
        a.close();
        a.close(); // once only
        Thread.sleep(200);
        assertEquals(Set.of(opened.get(0)), kopid.live(), "one connection is still open");

        b.close();
        assertTrue(b.isClosed());
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!kopid.live().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(Set.of(), kopid.live(), "destroyed after the last close");

        connect(url).close();
        assertEquals(2, kopid.creates.size(), "a later connection makes a new clone");
    }

    @Test
    void aConnectionWithinTheLingerKeepsTheClone() throws Exception {
        String url = "jdbc:kopi:prod?linger=2s";
        connect(url).close();
        Thread.sleep(100);
        try (Connection again = connect(url)) {
            Thread.sleep(2500);
            assertEquals(1, kopid.creates.size());
            assertEquals(1, kopid.live().size(), "kept: the pool came back");
        }
    }

    @Test
    void parametersReachTheCloneRequest() throws Exception {
        try (Connection c = connect("jdbc:kopi:prod@" + FakeKopid.TAG + "?idle=10m&database=orders")) {
            CreateCloneRequest r = kopid.creates.get(0);
            assertEquals("prod@" + FakeKopid.TAG, r.getSnapshot());
            assertEquals("10m", r.getIdleTimeout());
            assertEquals("orders", r.getDatabase());
            assertEquals("30m", r.getTtl(), "the TTL backstop is on by default");
        }
    }

    @Test
    void badUrlsAreRefusedSayingWhyAndMakeNothing() {
        for (String url : List.of("jdbc:kopi:", "jdbc:kopi:prod?ttll=1h", "jdbc:kopi:prod?linger=soon",
                "jdbc:kopi:prod?migrations=classpath:a&changelog=classpath:b.yaml")) {
            SQLException e = assertThrows(SQLException.class, () -> connect(url), url);
            assertFalse(e.getMessage().isBlank());
        }
        assertEquals(List.of(), kopid.creates);
    }

    @Test
    void aKopidFailureIsAnSqlExceptionNamingTheSnapshot() {
        kopid.reply("CreateClone", io.grpc.Status.NOT_FOUND.withDescription("no snapshot 'nope'"));
        SQLException e = assertThrows(SQLException.class, () -> connect("jdbc:kopi:nope"));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void theDriverIsServiceLoaded() {
        assertTrue(java.util.ServiceLoader.load(java.sql.Driver.class).stream()
                .anyMatch(p -> p.type() == KopiDriver.class));
    }
}
