package dev.kopi.daemon.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class BoundedOutputTest {
    private static String read(String s, int keep) throws Exception {
        return BoundedOutput.read(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), keep);
    }

    @Test
    void shortOutputIsKeptWhole() throws Exception {
        assertEquals("", read("", 16));
        assertEquals("hello\nworld\n", read("hello\nworld\n", 16));
        assertEquals("0123456789abcdefXYZ", read("0123456789abcdefXYZ", 16), "up to twice the bound, whole");
    }

    @Test
    void longOutputKeepsItsStartAndItsEndAndSaysWhatWasLeftOut() throws Exception {
        String out = read("START" + "x".repeat(10_000) + "the real error", 16);
        assertTrue(out.startsWith("STARTxxxxxxxxxxx"), out);
        assertTrue(out.endsWith("xxthe real error"), out);
        assertTrue(out.contains("[... " + (5 + 10_000 + 14 - 32) + " bytes left out ...]"), out);
        assertTrue(out.length() < 100, "bounded: " + out.length());
    }
}
