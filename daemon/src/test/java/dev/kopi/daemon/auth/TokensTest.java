package dev.kopi.daemon.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.testing.MutableClock;

class TokensTest {
    @TempDir
    Path tmp;

    private Tokens tokens() {
        return new Tokens(tmp.resolve("tokens.yaml"), new MutableClock(Instant.parse("2026-12-01T00:00:00Z")));
    }

    @Test
    void aCreatedTokenAuthenticatesAsItsNameAndRole() {
        Tokens t = tokens();
        String ci = t.create("ci", Role.USER);
        String ops = t.create("ops", Role.ADMIN);
        assertTrue(ci.startsWith("kopi_") && ci.length() >= 45, ci);
        assertEquals(Optional.of(new Caller("ci", Role.USER)), t.authenticate(ci));
        assertEquals(Optional.of(new Caller("ops", Role.ADMIN)), t.authenticate(ops));
        assertEquals(Optional.empty(), t.authenticate(ci + "x"));
        assertEquals(Optional.empty(), t.authenticate(""));
        assertEquals(Optional.empty(), t.authenticate(null));
    }

    @Test
    void theFileKeepsHashesOnlyAndIsRootsAlone() throws Exception {
        Tokens t = tokens();
        String secret = t.create("ci", Role.USER);
        String file = Files.readString(t.file());
        assertFalse(file.contains(secret), file);
        assertFalse(file.contains(secret.substring(5, 20)), file);
        assertTrue(file.contains(Tokens.hash(secret)), file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(t.file())));
        // a second kopid (or a restart) reads the same tokens
        assertEquals(Optional.of(new Caller("ci", Role.USER)), tokens().authenticate(secret));
        assertEquals(List.of("ci"), tokens().list().stream().map(Token::name).toList());
    }

    @Test
    void revokingTakesEffectAtOnce() {
        Tokens t = tokens();
        String secret = t.create("ci", Role.USER);
        t.revoke("ci");
        assertEquals(Optional.empty(), t.authenticate(secret));
        assertEquals(KopiException.Kind.NOT_FOUND, assertThrows(KopiException.class, () -> t.revoke("ci")).kind());
    }

    @Test
    void duplicatesAndBadNamesAndRolesAreRefused() {
        Tokens t = tokens();
        t.create("ci", Role.USER);
        assertEquals(KopiException.Kind.ALREADY_EXISTS,
                assertThrows(KopiException.class, () -> t.create("ci", Role.ADMIN)).kind());
        assertEquals(KopiException.Kind.INVALID_ARGUMENT,
                assertThrows(KopiException.class, () -> t.create("../x", Role.USER)).kind());
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, assertThrows(KopiException.class, () -> Role.of("root")).kind());
        assertEquals(1, t.list().size());
    }

    @Test
    void aFileEditedByHandIsReadAgainAndABrokenEditKeepsWhatWorked() throws Exception {
        Tokens t = tokens();
        String kept = t.create("ci", Role.USER);
        String added = "kopi_added-by-hand-0123456789abcdefghijklmnopqrstu";
        Files.writeString(t.file(), Files.readString(t.file()) + "- name: hand\n  role: admin\n  hash: "
                + Tokens.hash(added) + "\n");
        Files.setLastModifiedTime(t.file(), FileTime.from(Instant.now().plusSeconds(5)));
        assertEquals(Optional.of(new Caller("hand", Role.ADMIN)), t.authenticate(added));
        Files.writeString(t.file(), "tokens: [ {name: broken, role: god");
        Files.setLastModifiedTime(t.file(), FileTime.from(Instant.now().plusSeconds(10)));
        assertEquals(Optional.of(new Caller("ci", Role.USER)), t.authenticate(kept));
        assertEquals(Optional.of(new Caller("hand", Role.ADMIN)), t.authenticate(added));
    }
}
