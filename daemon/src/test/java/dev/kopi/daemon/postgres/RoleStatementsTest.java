package dev.kopi.daemon.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.kopi.daemon.core.KopiException;

/** postgres.superuser: false must be a boundary on every version, or refused. */
class RoleStatementsTest {
    @Test
    void aSuperuserIsASuperuser() {
        assertEquals("LOGIN SUPERUSER", RoleStatements.attributes(true, "15"));
        assertEquals("LOGIN SUPERUSER", RoleStatements.attributes(true, "9.6"));
    }

    @Test
    void beforeSixteenANonSuperuserGetsNoCreateRoleWhichWouldLetItGrantItselfServerPrograms() {
        for (String v : new String[] {"14", "15"}) {
            String a = RoleStatements.attributes(false, v);
            assertTrue(a.contains("NOCREATEROLE") && a.contains("NOSUPERUSER"), a);
        }
    }

    @Test
    void fromSixteenCreateRoleIsSafeAndGiven() {
        String a = RoleStatements.attributes(false, "16");
        assertTrue(a.contains(" CREATEROLE") && !a.contains("NOCREATEROLE") && a.contains("NOSUPERUSER"), a);
        assertFalse(RoleStatements.attributes(false, "17").contains("NOCREATEROLE"));
    }

    @Test
    void beforeFourteenTheModeIsRefusedWithWhatToDo() {
        KopiException e = assertThrows(KopiException.class, () -> RoleStatements.attributes(false, "13"));
        assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("postgres.superuser: true"), e.getMessage());
    }
}
