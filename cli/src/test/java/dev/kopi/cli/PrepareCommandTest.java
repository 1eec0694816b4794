package dev.kopi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kopi.client.FakeKopid;
import dev.kopi.proto.v1.PrepareSnapshotRequest;

/**
 * kopictl prepare against the fake kopid: the command runs once per key on the builder clone
 * with its connection in the environment, stdout is only the snapshot's name, a failing command
 * publishes nothing, and --hash makes the same key of the same files.
 */
class PrepareCommandTest extends FakeKopidTestBase {
    @Test
    void aCharacterWhoseBytesComeInTwoReadsIsRelayedWhole() throws Exception {
        byte[] text = "migrated: café, 東京".getBytes(StandardCharsets.UTF_8);
        // A pipe may hand over any number of bytes at a time: here one, splitting every character.
        InputStream trickle = new InputStream() {
            int i;

            @Override
            public int read() {
                return i < text.length ? text[i++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (i >= text.length) {
                    return -1;
                }
                b[off] = text[i++];
                return 1;
            }
        };
        StringWriter out = new StringWriter();
        PrepareCommand.relay(trickle, new PrintWriter(out));
        assertEquals("migrated: café, 東京", out.toString());
    }

    @Test
    void runsTheCommandOnceOnTheBuilderCloneAndPrintsOnlyTheName() throws Exception {
        Path ran = dir.resolve("ran");
        String script = "echo \"$PGHOST $PGPORT $PGUSER $PGDATABASE $KOPI_CLONE $DATABASE_URL\" >> " + ran
                + "; echo migrating";
        CliRun first = kopictl("prepare", "prod", "--key", "abc123", "--", "sh", "-c", script);

        assertEquals(0, first.code(), first::toString);
        assertEquals("prod.abc123@" + FakeKopid.TAG + System.lineSeparator(), first.out(),
                "stdout is the name alone, for SNAP=$(kopictl prepare ...)");
        assertTrue(first.err().contains("migrating"), "the command's output goes to stderr: " + first);
        List<String> lines = Files.readAllLines(ran);
        assertEquals(1, lines.size());
        assertTrue(lines.get(0).matches("fakehost 6\\d{3} kopi_user\\d+ app prod-\\d+ postgresql://kopi_user.*@fakehost:6\\d{3}/app"),
                lines.get(0));
        assertTrue(kopid.log.contains("finish prod.abc123"), kopid.log::toString);

        CliRun second = kopictl("prepare", "prod", "--key", "abc123", "--", "sh", "-c", script);
        assertEquals(0, second.code(), second::toString);
        assertEquals(first.out(), second.out());
        assertEquals(1, Files.readAllLines(ran).size(), "made once: the second call ran nothing");
    }

    @Test
    void aFailingCommandPublishesNothingAndTheNextCallBuildsAgain() {
        CliRun failed = kopictl("prepare", "prod", "--key", "abc123", "--", "sh", "-c", "echo bad >&2; exit 3");

        assertEquals(1, failed.code(), failed::toString);
        assertEquals("", failed.out());
        assertTrue(failed.err().contains("sh exited with 3 on builder clone prod-")
                && failed.err().contains("nothing was published"), failed::toString);
        assertTrue(kopid.log.stream().anyMatch(l -> l.startsWith("abandon prod-")), kopid.log::toString);
        assertFalse(kopid.log.stream().anyMatch(l -> l.startsWith("finish")), kopid.log::toString);

        CliRun again = kopictl("prepare", "prod", "--key", "abc123", "--", "true");
        assertEquals(0, again.code(), again::toString);
    }

    @Test
    void hashedFilesMakeTheSameKeyAndAChangedFileAnother() throws Exception {
        Path migrations = Files.createDirectories(dir.resolve("db/migration"));
        Files.writeString(migrations.resolve("V1__a.sql"), "CREATE TABLE a ()");
        Files.writeString(migrations.resolve("V2__b.sql"), "CREATE TABLE b ()");

        assertEquals(0, kopictl("prepare", "prod", "--hash", migrations.toString(), "--", "true").code());
        assertEquals(0, kopictl("prepare", "prod", "--hash", migrations.toString(), "--", "true").code());
        Files.writeString(migrations.resolve("V2__b.sql"), "CREATE TABLE b (id int)");
        assertEquals(0, kopictl("prepare", "prod", "--hash", migrations.toString(), "--", "true").code());

        List<String> keys = kopid.requests(PrepareSnapshotRequest.class).stream().map(PrepareSnapshotRequest::getKey)
                .toList();
        assertEquals(3, keys.size());
        assertEquals(keys.get(0), keys.get(1), "the same files, the same key");
        assertNotEquals(keys.get(0), keys.get(2), "a changed file, another key");
        assertTrue(keys.get(0).matches("[0-9a-f]{32}"), keys.get(0));
        Path copy = Files.createDirectories(dir.resolve("elsewhere/migrations"));
        for (String f : List.of("V1__a.sql", "V2__b.sql")) {
            Files.copy(migrations.resolve(f), copy.resolve(f));
        }
        assertEquals(keys.get(2), PrepareCommand.keyOf(List.of(copy)), "the same files elsewhere, the same key");
    }

    @Test
    void badInputIsRefusedBeforeAnythingIsMade() {
        assertFailure(kopictl("prepare", "prod", "--hash", dir.resolve("nope").toString(), "--", "true"),
                "--hash " + dir.resolve("nope") + ": no such file or directory");
        CliRun noKey = kopictl("prepare", "prod", "--", "true");
        assertEquals(2, noKey.code(), noKey::toString);
        CliRun badKey = kopictl("prepare", "prod", "--key", "UPPER", "--", "true");
        assertEquals(1, badKey.code(), badKey::toString);
        assertTrue(badKey.err().contains("key"), badKey::toString);
        CliRun noCommand = kopictl("prepare", "prod", "--key", "abc123");
        assertEquals(2, noCommand.code(), noCommand::toString);
        assertTrue(kopid.log.stream().noneMatch(l -> l.startsWith("create") || l.startsWith("prepare")),
                kopid.log::toString);
    }
}
