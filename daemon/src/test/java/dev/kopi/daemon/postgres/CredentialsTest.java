package dev.kopi.daemon.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class CredentialsTest {
    private static final Pattern VERIFIER = Pattern.compile(
            "SCRAM-SHA-256\\$4096:([A-Za-z0-9+/]+=*)\\$([A-Za-z0-9+/]+=*):([A-Za-z0-9+/]+=*)");

    @Test
    void generatedUserIsKopiPrefixedLowercase() {
        for (int i = 0; i < 200; i++) {
            String user = Credentials.generate().user();
            assertTrue(user.matches("kopi_[a-z0-9]{8}"), user);
        }
    }

    @Test
    void generatedPasswordIsTwentyFourAlphanumerics() {
        for (int i = 0; i < 200; i++) {
            String password = Credentials.generate().password();
            assertTrue(password.matches("[A-Za-z0-9]{24}"), password);
        }
    }

    @Test
    void generatedValuesDifferAcrossCalls() {
        Set<String> users = new HashSet<>();
        Set<String> passwords = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            Credentials c = Credentials.generate();
            users.add(c.user());
            passwords.add(c.password());
        }
        assertEquals(500, passwords.size());
        assertTrue(users.size() >= 499, "users repeat too often: " + users.size());
    }

    @Test
    void randomUsesOnlyTheGivenAlphabet() {
        assertEquals("xxxxx", Credentials.random("x", 5));
        assertTrue(Credentials.random("ab", 100).matches("[ab]{100}"));
    }

    @Test
    void toStringHidesThePassword() {
        Credentials c = new Credentials("kopi_abcd2345", "SecretPassw0rdValue12345");
        String s = c.toString();
        assertFalse(s.contains("SecretPassw0rdValue12345"), s);
        assertTrue(s.contains("kopi_abcd2345"), s);
        assertTrue(s.contains("***"), s);
    }

    @Test
    void verifierHasPostgresFormatWithSixteenByteSaltAndThirtyTwoByteKeys() {
        String v = Credentials.generate().scramVerifier();
        Matcher m = VERIFIER.matcher(v);
        assertTrue(m.matches(), v);
        Base64.Decoder b64 = Base64.getDecoder();
        assertEquals(16, b64.decode(m.group(1)).length);
        assertEquals(32, b64.decode(m.group(2)).length);
        assertEquals(32, b64.decode(m.group(3)).length);
    }

    @Test
    void verifierMatchesTheStaticComputationForItsOwnSalt() {
        Credentials c = Credentials.generate();
        String v = c.scramVerifier();
        Matcher m = VERIFIER.matcher(v);
        assertTrue(m.matches(), v);
        assertEquals(v, Credentials.scramVerifier(c.password(), Base64.getDecoder().decode(m.group(1)), 4096));
    }

    @Test
    void eachVerifierUsesAFreshSalt() {
        Credentials c = Credentials.generate();
        String a = c.scramVerifier();
        String b = c.scramVerifier();
        assertNotEquals(a, b);
        Matcher ma = VERIFIER.matcher(a);
        Matcher mb = VERIFIER.matcher(b);
        assertTrue(ma.matches() && mb.matches());
        assertNotEquals(ma.group(1), mb.group(1));
    }
}
