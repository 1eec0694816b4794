package dev.kopi.daemon.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.config.ConfigLoader;
import dev.kopi.daemon.testing.ForbiddenProcessRunner;
import dev.kopi.sys.Posix;

/** How a clone's data directory becomes its identity's: whole, or by its root for a readied snapshot. */
class LocalInstancesGiveTest {
    private static final OsUser HOLDER = OsUser.ofUid(2_000_077_001);

    @TempDir
    Path tmp;
    private LocalInstances instances;
    private Path data;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "chown needs root");
        Postmaster postmaster = new Postmaster(new ForbiddenProcessRunner(),
                new PgBinaries(tmp.resolve("no-pg/{version}/bin").toString()), new OsUser("postgres", 101, 104),
                Duration.ofSeconds(1), Duration.ofSeconds(1));
        instances = new LocalInstances(postmaster, new RuntimeDirs(tmp), ConfigLoader.defaults().postgres());
        data = tmp.resolve("data");
        for (String d : new String[] {"global", "base/5"}) {
            Files.createDirectories(data.resolve(d));
        }
        Files.writeString(data.resolve("PG_VERSION"), "15\n");
        Files.writeString(data.resolve("global/pg_control"), "c");
        Files.writeString(data.resolve("base/5/1259"), "rows");
        for (String d : new String[] {"", "global", "base", "base/5"}) {
            Files.setPosixFilePermissions(data.resolve(d), PosixFilePermissions.fromString("rwx------"));
        }
        for (String f : new String[] {"PG_VERSION", "global/pg_control", "base/5/1259"}) {
            Files.setPosixFilePermissions(data.resolve(f), PosixFilePermissions.fromString("rw-------"));
        }
    }

    private int uid(String p) throws Exception {
        return ((Number) Files.getAttribute(data.resolve(p), "unix:uid", LinkOption.NOFOLLOW_LINKS)).intValue();
    }

    private String mode(String p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve(p)));
    }

    @Test
    void aTreeNotReadiedIsGivenWhole() throws Exception {
        assertFalse(LocalInstances.preparedForClones(data));
        instances.give(data, HOLDER);
        for (String p : new String[] {"", "PG_VERSION", "global", "global/pg_control", "base/5", "base/5/1259"}) {
            assertEquals(HOLDER.uid(), uid(p), p);
        }
    }

    @Test
    void aReadiedTreeIsGivenByItsRootAndTopLevelFilesWhichAloneLetItsIdentityIn() throws Exception {
        instances.prepareForClones(data);
        assertTrue(LocalInstances.preparedForClones(data));
        assertEquals("rwx------", mode(""));
        assertEquals("rw-------", mode("PG_VERSION"));
        assertEquals("rwxrwxrwx", mode("base/5"));
        assertEquals("rw-rw-rw-", mode("base/5/1259"));

        instances.give(data, HOLDER);

        assertEquals(HOLDER.uid(), uid(""));
        assertEquals("rwx------", mode(""), "nobody else passes the root");
        assertEquals(HOLDER.uid(), uid("PG_VERSION"));
        assertEquals(0, uid("base/5/1259"), "below the root nothing had to change");
    }
}
