package dev.kopi.daemon.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Secrets that slip into a log line are masked; the text around them is kept. */
class RedactionTest {
    private static final String M = Redaction.MASK;

    @Test
    void uriPasswords() {
        assertEquals("clone at postgresql://kopi_ab12cd34:" + M + "@127.0.0.1:6501/app ready",
                Redaction.apply("clone at postgresql://kopi_ab12cd34:s3cr3t-P4ss@127.0.0.1:6501/app ready"));
        assertEquals("postgres://u:" + M + "@db1/x", Redaction.apply("postgres://u:p%40ss@db1/x"));
        assertEquals("postgresql://db1:5432/app", Redaction.apply("postgresql://db1:5432/app"), "a port is not a password");
        assertEquals("postgresql://kopi@db1/reports", Redaction.apply("postgresql://kopi@db1/reports"));
    }

    @Test
    void keyValuePasswordsInConninfoJdbcAndEnvironment() {
        assertEquals("host=db1 user=kopi password=" + M + " dbname=app",
                Redaction.apply("host=db1 user=kopi password=hunter2 dbname=app"));
        assertEquals("host=db1 password='" + M + "' sslmode=require",
                Redaction.apply("host=db1 password='it\\'s a \\\\ secret' sslmode=require"));
        assertEquals("jdbc:postgresql://h:1/app?user=u&password=" + M + "&ssl=true",
                Redaction.apply("jdbc:postgresql://h:1/app?user=u&password=x9Y&ssl=true"));
        assertEquals("env PGPASSWORD=" + M + " pg_dump", Redaction.apply("env PGPASSWORD=topsecret pg_dump"));
        assertEquals("{\"user\":\"u\",\"password\":\"" + M + "\"}",
                Redaction.apply("{\"user\":\"u\",\"password\":\"abc\\\"def\"}"));
        assertEquals("password: " + M, Redaction.apply("password: hunter2"));
        assertEquals("token=" + M + "; secret=" + M, Redaction.apply("token=t0k; secret=s3c"));
    }

    @Test
    void sqlPasswordsAndHashes() {
        assertEquals("ALTER ROLE kopi_x LOGIN PASSWORD '" + M + "'",
                Redaction.apply("ALTER ROLE kopi_x LOGIN PASSWORD 'pa''ss'"));
        assertEquals("verifier SCRAM-SHA-256$" + M + " set",
                Redaction.apply("verifier SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy set"));
        assertEquals("hash md5" + M, Redaction.apply("hash md5" + "0123456789abcdef0123456789abcdef"));
    }

    @Test
    void bearerTokensAndAuthorizationHeaders() {
        assertEquals("authorization: Bearer " + M, Redaction.apply("authorization: Bearer eyJhbGciOi.J9.x-y_z"));
        assertEquals("sent Bearer " + M + " to kopid", Redaction.apply("sent Bearer abc.def-ghi to kopid"));
        assertEquals("Authorization=Basic " + M, Redaction.apply("Authorization=Basic dXNlcjpwYXNz"));
    }

    @Test
    void ordinaryTextIsLeftAlone() {
        for (String s : new String[] {
            "password_file: /etc/kopi/prod.pass", "source prod: password_env PROD_PASSWORD is not set",
            "clone alice of prod@20261123T020000Z ready on port 6501 in 41 ms",
            "password authentication failed for user \"kopi\"", "no password was given", "",
        }) {
            assertEquals(s, Redaction.apply(s));
        }
        assertEquals(null, Redaction.apply(null));
    }

    @Test
    void secretFieldNames() {
        assertTrue(Redaction.isSecretName("password"));
        assertTrue(Redaction.isSecretName("PGPASSWORD"));
        assertTrue(Redaction.isSecretName("api-key"));
        assertTrue(Redaction.isSecretName("bearer_token"));
        assertFalse(Redaction.isSecretName("clone"));
        assertFalse(Redaction.isSecretName("duration_ms"));
    }
}
