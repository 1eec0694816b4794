package dev.kopi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.CreateCloneRequest;
import dev.kopi.proto.v1.DestroyCloneRequest;
import dev.kopi.proto.v1.DiffCloneRequest;
import dev.kopi.proto.v1.GetStatusRequest;
import dev.kopi.proto.v1.SchemaChange;
import dev.kopi.proto.v1.SchemaDiff;
import dev.kopi.sys.Posix;

/**
 * kopictl diff and SchemaService.DiffClone end to end on a real pool, kopid and Postgres: a
 * clone's migrations show as exactly what they made, an untouched clone as nothing, and a
 * hostile holder (superuser in their clone) cannot hang kopid, flood it, or make it run their code.
 * Subclasses choose the backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SchemaDiffFlowsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    RunDir run;
    Pool pool;
    Kopid kopid;
    SourceCluster demo;
    String snapshot;

    abstract Pool createPool(RunDir run);

    @BeforeAll
    void setUp() throws Exception {
        run = RunDir.create();
        demo = SourceCluster.demo(run);
        pool = createPool(run);
        int portFirst = 20000 + ThreadLocalRandom.current().nextInt(0, 800) * 50;
        kopid = new Kopid(run, pool, portFirst, portFirst + 19).start();
        snapshot = kopid.addDatadirSource("demo", demo.dataDir);
    }

    @AfterAll
    void tearDown() {
        Teardown.everything(run, kopid, pool, demo);
    }

    private Clone clone(String name) {
        return kopid.clones().createClone(CreateCloneRequest.newBuilder().setSnapshot("demo").setName(name).build());
    }

    private void destroyQuietly(String... names) {
        for (String n : names) {
            try {
                kopid.clones().destroyClone(DestroyCloneRequest.newBuilder().setName(n).build());
            } catch (RuntimeException e) {
                System.err.println("cleanup: " + n + ": " + e.getMessage());
            }
        }
    }

    private SchemaDiff diff(String name) {
        return kopid.schemas().diffClone(DiffCloneRequest.newBuilder().setName(name).build());
    }

    private static void sql(Clone c, String... statements) throws Exception {
        try (Connection conn = KopiFlowsIT.connect(c.getUri()); Statement st = conn.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    private static List<String> keys(List<SchemaChange> changes) {
        return changes.stream().map(c -> c.getKind() + " " + c.getName()).toList();
    }

    @Test
    void aMigrationShowsAsExactlyWhatItMade() throws Exception {
        Clone c = clone("mig");
        try {
            sql(c, "ALTER TABLE customers ADD COLUMN phone text",
                    "CREATE INDEX orders_amount_idx ON orders (amount)",
                    "CREATE FUNCTION order_total(integer) RETURNS numeric LANGUAGE sql "
                            + "AS $$ SELECT sum(amount) FROM orders WHERE customer_id = $1 $$");
            List<String> expected = List.of("column public.customers.phone", "function public.order_total(integer)",
                    "index public.orders_amount_idx");

            Kopid.Cli text = kopid.cli("diff", "mig");
            assertEquals(0, text.code(), text.err());
            assertEquals("", text.err());
            List<String> headers = text.out().lines().filter(l -> l.startsWith("+++ ") || l.startsWith("--- ")).toList();
            assertEquals(List.of("--- /dev/null", "+++ b/column/public.customers.phone", "--- /dev/null",
                    "+++ b/function/public.order_total(integer)", "--- /dev/null", "+++ b/index/public.orders_amount_idx"),
                    headers, text.out());
            assertTrue(text.out().contains("+public.customers.phone text\n"), text.out());
            assertTrue(text.out().contains("+CREATE INDEX orders_amount_idx ON public.orders USING btree (amount)\n"),
                    text.out());
            assertTrue(text.out().contains("+CREATE OR REPLACE FUNCTION public.order_total(integer)\n"), text.out());
            assertFalse(text.out().lines().anyMatch(l -> l.startsWith("-") && !l.startsWith("--- ")), text.out());

            Kopid.Cli json = kopid.cli("diff", "mig", "-o", "json");
            assertEquals(0, json.code(), json.err());
            JsonNode j = JSON.readTree(json.out());
            assertEquals(snapshot, j.get("against").asText());
            assertEquals("app", j.get("database").asText());
            List<String> added = Stream.iterate(0, i -> i < j.get("added").size(), i -> i + 1)
                    .map(i -> j.get("added").get(i)).map(a -> a.get("kind").asText() + " " + a.get("name").asText())
                    .toList();
            assertEquals(expected, added, json.out());
            assertEquals(0, j.get("removed").size(), json.out());
            assertEquals(0, j.get("changed").size(), json.out());
            assertTrue(j.get("added").get(0).get("before").isNull());

            Kopid.Cli exit = kopid.cli("diff", "mig", "--exit-code");
            assertEquals(1, exit.code(), exit.err());

            SchemaDiff d = diff("mig");
            assertEquals(expected, keys(d.getAddedList()));
            assertEquals(0, d.getRemovedCount() + d.getChangedCount());
            assertEquals(d.getObjectsBefore() + 3, d.getObjectsAfter());
            assertEquals(text.out(), d.getText());

            // Undoing the migration undoes the diff; dropping what the snapshot had shows as removed.
            sql(c, "DROP FUNCTION order_total(integer)", "DROP INDEX orders_amount_idx",
                    "ALTER TABLE customers DROP COLUMN phone", "DROP TRIGGER IF EXISTS orders_audit ON orders");
            SchemaDiff undone = diff("mig");
            assertEquals(0, undone.getAddedCount() + undone.getChangedCount(), undone.getText());
            assertTrue(undone.getRemovedList().stream().allMatch(r -> r.getKind().equals("trigger")), undone.getText());
        } finally {
            destroyQuietly("mig");
        }
    }

    @Test
    void anUntouchedCloneIsEqualWhateverItsHolderSetsForTheirSessions() throws Exception {
        Clone c = clone("same");
        try {
            Kopid.Cli r = kopid.cli("diff", "same", "--exit-code");
            assertEquals(0, r.code(), r.err());
            assertEquals("", r.out());
            // Settings that would change how every definition prints, or stop kopid's statements.
            sql(c, "ALTER DATABASE app SET quote_all_identifiers = on", "ALTER DATABASE app SET search_path = nowhere",
                    "ALTER DATABASE app SET DateStyle = 'SQL, DMY'", "ALTER DATABASE app SET statement_timeout = 1",
                    "ALTER ROLE ALL SET lock_timeout = 1", "ALTER ROLE ALL SET default_transaction_isolation = serializable");
            Kopid.Cli again = kopid.cli("diff", "same", "--exit-code", "-o", "json");
            assertEquals(0, again.code(), again.err() + again.out());
            JsonNode j = JSON.readTree(again.out());
            assertEquals(0, j.get("added").size() + j.get("removed").size() + j.get("changed").size(), again.out());
            assertTrue(j.get("cached").asBoolean(), "the snapshot's schema was read once");
        } finally {
            destroyQuietly("same");
        }
    }

    @Test
    void unknownClonesSnapshotsDatabasesAndStoppedClonesAreClearErrors() throws Exception {
        Clone c = clone("errs");
        try {
            Kopid.Cli snap = kopid.cli("diff", "errs", "--against", "demo@20000101T000000Z", "--exit-code");
            assertEquals(2, snap.code(), snap.err());
            assertEquals("", snap.out());
            assertTrue(snap.err().startsWith("kopictl: snapshot demo@20000101T000000Z"), snap.err());
            String d = KopiFlowsIT.expect(Status.Code.NOT_FOUND, () -> kopid.schemas().diffClone(
                    DiffCloneRequest.newBuilder().setName("errs").setAgainst("nosuchsource").build()));
            assertTrue(d.contains("nosuchsource"), d);
            d = KopiFlowsIT.expect(Status.Code.NOT_FOUND, () -> diff("nosuchclone"));
            assertTrue(d.contains("kopictl clones"), d);
            d = KopiFlowsIT.expect(Status.Code.NOT_FOUND, () -> kopid.schemas().diffClone(
                    DiffCloneRequest.newBuilder().setName("errs").setDatabase("nodb").build()));
            assertTrue(d.contains("database 'nodb' does not exist"), d);
            // Against the source (its newest snapshot) is the clone's own snapshot here.
            assertEquals(snapshot, kopid.schemas().diffClone(DiffCloneRequest.newBuilder().setName("errs")
                    .setAgainst("demo").build()).getAgainst());
            // A clone whose instance is gone: nothing to read, and the error says what to do.
            Posix.kill(c.getPid(), Posix.SIGKILL);
            KopiFlowsIT.waitGone(c.getPid());
            d = KopiFlowsIT.expect(Status.Code.FAILED_PRECONDITION, () -> diff("errs"));
            assertTrue(d.contains("clone 'errs' is not running") && d.contains("kopictl reset errs"), d);
        } finally {
            destroyQuietly("errs");
        }
    }

    @Test
    void aHostileHolderCannotHangFloodOrRunCodeInKopid() throws Exception {
        Clone c = clone("hostile");
        try {
            // A view whose function would sleep for an hour: printed, never run.
            sql(c, "CREATE FUNCTION slow() RETURNS integer LANGUAGE sql AS 'SELECT 1 FROM pg_sleep(3600)'",
                    "CREATE VIEW sleepy AS SELECT slow() AS x");
            long t0 = System.nanoTime();
            SchemaDiff d = diff("hostile");
            assertTrue(ms(t0) < 30_000, "took " + ms(t0) + " ms");
            assertEquals(List.of("function public.slow()", "view public.sleepy"), keys(d.getAddedList()));

            // A lock on a table a view reads: the read gives up instead of waiting for the holder.
            sql(c, "CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100");
            try (Connection locker = KopiFlowsIT.connect(c.getUri()); Statement st = locker.createStatement()) {
                locker.setAutoCommit(false);
                st.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE");
                long t1 = System.nanoTime();
                try {
                    diff("hostile");
                    System.out.println("SCHEMA-DIFF: a held table lock did not block the read");
                } catch (StatusRuntimeException e) {
                    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.getMessage());
                    System.out.println("SCHEMA-DIFF: a held table lock fails the read in " + ms(t1) + " ms: "
                            + e.getStatus().getDescription());
                }
                assertTrue(ms(t1) < 60_000, "took " + ms(t1) + " ms");
                assertTrue(kopid.status().getStatus(GetStatusRequest.getDefaultInstance()).getClones() >= 1,
                        "kopid answers meanwhile");
                locker.rollback();
            }

            // Many objects and a huge definition: bounded reply, every object listed.
            sql(c, "DO $$ BEGIN FOR i IN 1..1500 LOOP EXECUTE format('CREATE TABLE many_%s (id int PRIMARY KEY, v text)', i);"
                    + " END LOOP; END $$",
                    "CREATE FUNCTION huge() RETURNS text LANGUAGE sql AS $$ SELECT '" + "x".repeat(4 << 20) + "' $$");
            long t2 = System.nanoTime();
            SchemaDiff big = diff("hostile");
            long bigMs = ms(t2);
            assertEquals(3 + 1 + 1500 * 4, big.getAddedCount(), "tables, columns, primary keys; views and functions");
            assertTrue(big.getTruncated());
            assertTrue(big.getSerializedSize() < 4 << 20, "reply of " + big.getSerializedSize() + " bytes");
            SchemaChange huge = big.getAddedList().stream().filter(a -> a.getName().equals("public.huge()")).findFirst()
                    .orElseThrow();
            assertTrue(huge.getAfter().length() <= 256 * 1024, "definition cut at 256 KiB");
            Kopid.Cli json = kopid.cli("diff", "hostile", "-o", "json");
            assertEquals(0, json.code(), json.err());
            System.out.printf(Locale.ROOT, "SCHEMA-DIFF: %d added objects (one of 4 MB) diffed in %d ms, reply %d bytes%n",
                    big.getAddedCount(), bigMs, big.getSerializedSize());
        } finally {
            destroyQuietly("hostile");
        }
    }

    @Test
    void theSnapshotsSchemaIsReadOnceOnAPrivateCopyAndLeavesNothingBehind() throws Exception {
        Clone c = clone("timing");
        try {
            clearCache();
            long t0 = System.nanoTime();
            SchemaDiff first = diff("timing");
            long uncached = ms(t0);
            long t1 = System.nanoTime();
            SchemaDiff second = diff("timing");
            long cached = ms(t1);
            assertFalse(first.getCached());
            assertTrue(second.getCached());
            assertEquals("", first.getText());
            System.out.printf(Locale.ROOT, "SCHEMA-DIFF latency (demo, %s): uncached %d ms (daemon %d ms), "
                    + "cached %d ms (daemon %d ms)%n", getClass().getSimpleName(), uncached, first.getTookMs(), cached,
                    second.getTookMs());
            try (Stream<Path> files = Files.list(kopid.state.resolve("schema-cache"))) {
                List<Path> all = files.toList();
                assertEquals(1, all.size(), all.toString());
                assertEquals("rw-------", PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(all.get(0))));
            }
            assertTrue(pool.volumes().stream().noneMatch(v -> v.contains("staging")), "no private copy left: "
                    + pool.volumes());
        } finally {
            destroyQuietly("timing");
        }
    }

    /** Latency on a pgbench source; run with -Dkopi.it.diff.scale=10 (it takes a while to build). */
    @Test
    void latencyOnAPgbenchSource() throws Exception {
        String scale = System.getProperty("kopi.it.diff.scale", "");
        Assumptions.assumeFalse(scale.isEmpty(), "set kopi.it.diff.scale to measure");
        SourceCluster bench = SourceCluster.init(run.postgresDir("src").resolve("bench"), run.resolve("src/bsock"));
        try {
            bench.start();
            bench.sql("postgres", "CREATE DATABASE bench");
            Sh.ok(SourceCluster.BIN + "pgbench", "-i", "-q", "-s", scale, "-h", "127.0.0.1", "-p",
                    Integer.toString(bench.port()), "-U", "postgres", "bench");
            bench.stop();
            kopid.addDatadirSource("bench", bench.dataDir);
            Clone c = kopid.clones().createClone(CreateCloneRequest.newBuilder().setSnapshot("bench").setName("pgb")
                    .build());
            try {
                sql(c, "ALTER TABLE pgbench_accounts ADD COLUMN email text");
                long t0 = System.nanoTime();
                SchemaDiff first = diff("pgb");
                long uncached = ms(t0);
                long[] cached = new long[5];
                for (int i = 0; i < cached.length; i++) {
                    long t = System.nanoTime();
                    assertTrue(diff("pgb").getCached());
                    cached[i] = ms(t);
                }
                assertEquals(1, first.getAddedCount());
                System.out.printf(Locale.ROOT, "SCHEMA-DIFF latency (pgbench scale %s, %s): uncached %d ms (daemon %d ms),"
                        + " cached %s ms%n", scale, getClass().getSimpleName(), uncached, first.getTookMs(),
                        Arrays.toString(cached));
            } finally {
                destroyQuietly("pgb");
            }
        } finally {
            bench.close();
        }
    }

    private void clearCache() throws Exception {
        Path dir = kopid.state.resolve("schema-cache");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
