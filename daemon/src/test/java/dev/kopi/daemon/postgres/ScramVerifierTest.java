package dev.kopi.daemon.postgres;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Checks Credentials.scramVerifier against RFC 7677's example and an independent RFC 5802 implementation. */
class ScramVerifierTest {
    private static final Pattern VERIFIER = Pattern.compile("SCRAM-SHA-256\\$(\\d+):([^$]+)\\$([^:]+):(.+)");

    // RFC 7677 section 3: user "user", password "pencil".
    private static final String RFC_SALT = "W22ZaJ0SNY7soEsUEjb6gQ==";
    private static final String RFC_AUTH_MESSAGE = "n=user,r=rOprNGfwEbeRWgbNEkqO"
            + ",r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
            + ",c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final String RFC_CLIENT_PROOF = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private static final String RFC_SERVER_SIGNATURE = "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    /*
     * StoredKey and ServerKey for "pencil" with the RFC's salt and 4096 iterations, derived with:
     * python3 -c 'import hashlib,hmac,base64;s=hashlib.pbkdf2_hmac("sha256",b"pencil",
     *   base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ=="),4096);
     *   print(base64.b64encode(hashlib.sha256(hmac.new(s,b"Client Key",hashlib.sha256).digest()).digest()),
     *   base64.b64encode(hmac.new(s,b"Server Key",hashlib.sha256).digest()))'
     */
    private static final String RFC_STORED_KEY = "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=";
    private static final String RFC_SERVER_KEY = "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";

    private static final Base64.Decoder B64 = Base64.getDecoder();

    @Test
    void rfc7677ExampleGivesTheKnownVerifier() {
        String v = Credentials.scramVerifier("pencil", B64.decode(RFC_SALT), 4096);
        assertEquals("SCRAM-SHA-256$4096:" + RFC_SALT + "$" + RFC_STORED_KEY + ":" + RFC_SERVER_KEY, v);
    }

    /** What a server does with the stored verifier during the RFC 7677 exchange: both proofs must check out. */
    @Test
    void rfc7677ExchangeVerifiesAgainstTheStoredVerifier() throws Exception {
        Matcher m = parse(Credentials.scramVerifier("pencil", B64.decode(RFC_SALT), 4096));
        byte[] storedKey = B64.decode(m.group(3));
        byte[] serverKey = B64.decode(m.group(4));

        byte[] clientSignature = hmac(storedKey, RFC_AUTH_MESSAGE.getBytes(StandardCharsets.UTF_8));
        byte[] proof = B64.decode(RFC_CLIENT_PROOF);
        byte[] clientKey = new byte[proof.length];
        for (int i = 0; i < proof.length; i++) {
            clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
        }
        assertArrayEquals(storedKey, sha256(clientKey), "client proof does not verify");

        byte[] serverSignature = hmac(serverKey, RFC_AUTH_MESSAGE.getBytes(StandardCharsets.UTF_8));
        assertEquals(RFC_SERVER_SIGNATURE, Base64.getEncoder().encodeToString(serverSignature));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4096})
    void matchesAnIndependentRfc5802Computation(int iterations) throws Exception {
        String password = Credentials.generate().password();
        byte[] salt = new byte[16];
        ThreadLocalRandom.current().nextBytes(salt);

        byte[] salted = hi(password.getBytes(StandardCharsets.UTF_8), salt, iterations);
        byte[] storedKey = sha256(hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII)));
        byte[] serverKey = hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII));

        Matcher m = parse(Credentials.scramVerifier(password, salt, iterations));
        assertEquals(Integer.toString(iterations), m.group(1));
        assertArrayEquals(salt, B64.decode(m.group(2)));
        assertArrayEquals(storedKey, B64.decode(m.group(3)));
        assertArrayEquals(serverKey, B64.decode(m.group(4)));
    }

    @Test
    void differentPasswordsOrSaltsGiveDifferentKeys() {
        byte[] salt = B64.decode(RFC_SALT);
        String pencil = Credentials.scramVerifier("pencil", salt, 4096);
        assertNotEquals(pencil, Credentials.scramVerifier("Pencil", salt, 4096));
        byte[] otherSalt = salt.clone();
        otherSalt[0] ^= 1;
        Matcher a = parse(pencil);
        Matcher b = parse(Credentials.scramVerifier("pencil", otherSalt, 4096));
        assertNotEquals(a.group(3), b.group(3));
        assertNotEquals(a.group(4), b.group(4));
    }

    private static Matcher parse(String verifier) {
        Matcher m = VERIFIER.matcher(verifier);
        assertTrue(m.matches(), verifier);
        return m;
    }

    /** RFC 5802 Hi(): PBKDF2 with HMAC-SHA-256 and one output block, written out by hand. */
    private static byte[] hi(byte[] password, byte[] salt, int iterations) throws Exception {
        byte[] first = new byte[salt.length + 4];
        System.arraycopy(salt, 0, first, 0, salt.length);
        first[first.length - 1] = 1;
        byte[] u = hmac(password, first);
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            u = hmac(password, u);
            for (int j = 0; j < result.length; j++) {
                result[j] ^= u[j];
            }
        }
        return result;
    }

    private static byte[] hmac(byte[] key, byte[] data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data);
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }
}
