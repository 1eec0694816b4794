package dev.kopi.daemon.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kopi.daemon.core.KopiException;

class OsUserTest {
    @Test
    void rootIsRefusedWhateverItsName() {
        KopiException e = assertThrows(KopiException.class, () -> new OsUser("toor", 0, 0));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
    }

    @Test
    void wrapRunsTheArgvThroughSetprivWithoutAShell() {
        OsUser u = new OsUser("postgres", 101, 104);
        assertEquals(List.of("setpriv", "--reuid=101", "--regid=104", "--init-groups", "--",
                "/usr/lib/postgresql/16/bin/postgres", "-D", "/pool/clones/c 1"),
                u.wrap(List.of("/usr/lib/postgresql/16/bin/postgres", "-D", "/pool/clones/c 1")));
    }
}
