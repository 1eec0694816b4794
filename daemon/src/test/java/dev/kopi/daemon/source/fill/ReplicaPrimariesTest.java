package dev.kopi.daemon.source.fill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.postgres.Identities;
import dev.kopi.daemon.postgres.OsUser;
import dev.kopi.daemon.postgres.PgBinaries;
import dev.kopi.daemon.postgres.PgTools;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.source.Conninfo;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.FakeStorageBackend;
import dev.kopi.daemon.testing.FakeInstances;

/**
 * What kopid remembers of replica sources' primaries, and the slots it drops at start for
 * sources taken out of the configuration: with a recording psql, never a real primary.
 */
class ReplicaPrimariesTest {
    @TempDir
    Path tmp;
    private final List<List<String>> ran = new ArrayList<>();
    /** What the next psql runs exit with and print. */
    private int exit;
    private ReplicaPrimaries primaries;
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("pg/16/bin"));
        for (String tool : List.of("postgres", "psql")) {
            Files.createFile(bin.resolve(tool), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        ProcessRunner psql = new ProcessRunner() {
            @Override
            public Result run(List<String> argv, Map<String, String> env, byte[] stdin, Duration timeout) {
                ran.add(argv);
                return new Result(argv, exit, exit == 0 ? "0\n" : "", exit == 0 ? "" : "could not connect");
            }

            @Override
            public Process spawn(List<String> argv, Path log) {
                throw new AssertionError("nothing is spawned");
            }
        };
        dir = tmp.resolve("state/replicas");
        Staging staging = new Staging(new FakeStorageBackend(tmp.resolve("pool")), new FakeInstances(),
                new PgTools(psql, new PgBinaries(tmp.resolve("pg/{version}/bin").toString()),
                        new OsUser("postgres", 101, 104)), 0, new Identities(1_999_000_000, 1_999_000_999), dir);
        primaries = staging.primaries();
    }

    private static Source replica(String name, String slot) {
        SourceSettings s = new SourceSettings(null, 0, List.of(), null, null, null, null, null, 0, false, slot, "24h");
        return new Source(name, Source.Kind.REPLICA, null, Conninfo.parse("host=db1 user=kopi password=s3cret"),
                List.of(), null, s, Source.Origin.CONFIG);
    }

    @Test
    void aSourceWithASlotIsRememberedWithoutItsPasswordAndOneWithoutIsNot() throws Exception {
        primaries.remember(replica("live", "kopi_live"));
        assertEquals(Optional.of(new ReplicaPrimaries.Primary("kopi_live", "host=db1 user=kopi dbname=postgres")),
                primaries.recalled("live"));
        assertFalse(Files.readString(dir.resolve("live")).contains("s3cret"), "the password stays in the passfile");

        primaries.remember(replica("live", null));
        assertEquals(Optional.empty(), primaries.recalled("live"), "no slot, nothing to drop");
    }

    @Test
    void atStartTheSlotOfASourceNoLongerConfiguredIsDroppedAndForgottenAndOthersAreLeft() {
        primaries.remember(replica("kept", "kopi_kept"));
        primaries.remember(replica("gone", "kopi_gone"));

        assertEquals(1, primaries.dropSlotsOfRemoved(Set.of("kept")::contains));

        assertEquals(1, ran.size(), ran.toString());
        String argv = String.join(" ", ran.get(0));
        assertTrue(argv.startsWith("setpriv --reuid=101"), "psql runs as the postgres user: " + argv);
        assertTrue(argv.contains("-d host=db1 user=kopi dbname=postgres passfile='" + tmp.resolve("pool") + "/replicas/gone/wal/primary.pass'"),
                argv);
        assertTrue(argv.contains("slot_name = 'kopi_gone'"), argv);
        assertTrue(primaries.recalled("gone").isEmpty(), "forgotten");
        assertTrue(primaries.recalled("kept").isPresent(), "a source still configured keeps its slot");
    }

    @Test
    void anUnreachablePrimaryIsTriedOnceAndTheSourceForgotten() {
        primaries.remember(replica("gone", "kopi_gone"));
        exit = 2;

        assertEquals(0, primaries.dropSlotsOfRemoved(name -> false));

        assertEquals(1, ran.size(), "no retries against a primary that does not answer");
        assertTrue(primaries.recalled("gone").isEmpty(), "its volumes go next: the passfile with them");
    }
}
