package dev.kopi.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmallFileTest {
    @TempDir
    Path dir;

    @Test
    void readsARegularFile() throws Exception {
        Path f = Files.writeString(dir.resolve("PG_VERSION"), "15\n");
        assertArrayEquals("15\n".getBytes(StandardCharsets.US_ASCII), SmallFile.read(f, 64));
    }

    @Test
    void readsAtMostMaxBytes() throws Exception {
        Path f = Files.write(dir.resolve("big"), new byte[10_000]);
        assertEquals(100, SmallFile.read(f, 100).length);
        Path link = Files.createSymbolicLink(dir.resolve("zero"), Path.of("/dev/zero"));
        assertThrows(SysException.class, () -> SmallFile.read(link, 100));
    }

    @Test
    void refusesSymlinks() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "do not show");
        Path link = Files.createSymbolicLink(dir.resolve("PG_VERSION"), secret);
        SysException e = assertThrows(SysException.class, () -> SmallFile.read(link, 64));
        assertEquals(40 /* ELOOP */, e.errno());
    }

    @Test
    void aFifoDoesNotBlock() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertEquals(0, SmallFile.read(fifo, 64).length));
    }
}
