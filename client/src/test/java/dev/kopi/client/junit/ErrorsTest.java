package dev.kopi.client.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import dev.kopi.client.Clone;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/** Misconfigurations and an unreachable kopid fail the tests with messages that say what to do. */
class ErrorsTest extends ExtensionTestBase {

    @Kopi(snapshot = "demo")
    static class Simple {
        @Test
        void t(Clone clone) {
        }
    }

    @Test
    void aMissingSocketNamesItAndHowToSetIt() {
        String missing = dir.resolve("nowhere.sock").toString();
        EngineExecutionResults r = run(Simple.class, KopiExtension.SOCKET_PARAMETER, missing);
        r.testEvents().assertStatistics(s -> s.failed(1));
        String f = failures(r).get(0);
        assertTrue(f.contains("KopiClientException: cannot reach kopid: " + missing + " does not exist"), f);
        assertTrue(f.contains("$KOPI_SOCKET"), f);
        assertTrue(f.contains("-Dkopi.socket="), f);
    }

    @Kopi(snapshot = "nosuch")
    static class UnknownSnapshot {
        @Test
        void t(Clone clone) {
        }
    }

    @Test
    void kopidsMessageReachesTheTest() {
        String f = failures(run(UnknownSnapshot.class)).get(0);
        assertTrue(f.contains("snapshot 'nosuch' not found"), f);
    }

    @Kopi(snapshot = "demo")
    static class MethodScopeInBeforeAll {
        @BeforeAll
        static void before(Clone clone) {
        }

        @Test
        void t() {
        }
    }

    @Test
    void aMethodScopeCloneIsNotAvailableInBeforeAll() {
        EngineExecutionResults r = run(MethodScopeInBeforeAll.class);
        List<String> f = failures(r);
        assertEquals(1, f.size(), f.toString());
        assertTrue(f.get(0).contains("use @Kopi(scope = Kopi.Scope.CLASS)"), f.get(0));
        assertEquals(Set.of(), kopid.live());
    }

    static class ClassScopeOnMethod {
        @Test
        @Kopi(snapshot = "demo", scope = Kopi.Scope.CLASS)
        void t(Clone clone) {
        }
    }

    @Test
    void classScopeOnAMethodIsRefused() {
        String f = failures(run(ClassScopeOnMethod.class)).get(0);
        assertTrue(f.contains("put scope = CLASS on the class"), f);
        assertEquals(List.of(), kopid.creates);
    }

    @Kopi(snapshot = "${kopi.test.unset}")
    static class UnsetPlaceholder {
        @Test
        void t(Clone clone) {
        }
    }

    @Test
    void anUnsetPlaceholderIsExplained() {
        String f = failures(run(UnsetPlaceholder.class)).get(0);
        assertTrue(f.contains("kopi.test.unset is not set; pass -Dkopi.test.unset=..."), f);
    }

    static class NoKopi {
        @KopiDatabase
        Clone clone;

        @Test
        @org.junit.jupiter.api.extension.ExtendWith(KopiExtension.class)
        void t() {
        }
    }

    @Test
    void fieldsWithoutKopiAreExplained() {
        String f = failures(run(NoKopi.class)).get(0);
        assertTrue(f.contains("needs @Kopi(snapshot = ...)"), f);
    }
}
