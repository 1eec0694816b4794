package dev.kopi.client.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.kopi.client.Clone;
import dev.kopi.client.FakeKopid;
import dev.kopi.proto.v1.CreateCloneRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/** When clones are made and destroyed, per method and per class, and what is sent. */
class ScopesTest extends ExtensionTestBase {

    /** A test that passes, one that fails an assertion, one that throws. */
    @Kopi(snapshot = "demo")
    @TestMethodOrder(MethodOrderer.MethodName.class)
    static class MethodScope {
        @Test
        void a(Clone clone) {
            see("clone", clone.name());
            assertTrue(kopid.live().contains(clone.name()));
        }

        @Test
        void b(Clone clone) {
            see("clone", clone.name());
            fail("failing on purpose");
        }

        @Test
        void c(Clone clone) {
            see("clone", clone.name());
            throw new IllegalStateException("throwing on purpose");
        }
    }

    @Test
    void eachMethodGetsItsOwnCloneDestroyedAfterItEvenWhenItFails() {
        EngineExecutionResults r = run(MethodScope.class);
        r.testEvents().assertStatistics(s -> s.started(3).succeeded(1).failed(2));
        List<String> names = seen("clone");
        assertEquals(3, new HashSet<>(names).size(), names.toString());
        // Destroys run off the tests' path (in the background, drained when the run ends): each
        // clone is destroyed after it was made, every one of them by the end of the run.
        assertEquals(6, kopid.log.size(), kopid.log::toString);
        for (String name : names) {
            int created = kopid.log.indexOf("create " + name);
            assertTrue(created >= 0 && kopid.log.indexOf("destroy " + name) > created, kopid.log::toString);
        }
        assertEquals(List.of("create " + names.get(0), "create " + names.get(1), "create " + names.get(2)),
                kopid.log.stream().filter(l -> l.startsWith("create")).toList(), "tests ran in order");
        assertEquals(Set.of(), kopid.live());
        for (int i = 0; i < 3; i++) {
            String method = String.valueOf((char) ('a' + i));
            assertTrue(names.get(i).matches("junit-methodscope-" + method + "-[a-z0-9]{6}"), names.get(i));
        }
    }

    @Test
    void clonesAreAlsoDestroyedThroughCloseableResource() {
        // how JUnit before 5.13 (or with this switch off) closes stored values
        run(MethodScope.class, "junit.jupiter.extensions.store.close.autocloseable.enabled", "false")
                .testEvents().assertStatistics(s -> s.started(3));
        assertEquals(3, kopid.destroyed().size());
        assertEquals(Set.of(), kopid.live());
    }

    @Test
    void theTtlBackstopIsSent() {
        run(MethodScope.class);
        assertEquals(3, kopid.creates.size());
        for (CreateCloneRequest req : kopid.creates) {
            assertEquals("30m", req.getTtl());
            assertEquals("demo", req.getSnapshot());
        }
    }

    @Kopi(snapshot = "prod", idle = "${kopi.test.idle:5m}")
    static class OwnIdle {
        @Test
        void t(Clone clone) {
        }
    }

    @Test
    void theIdleTimeoutIsSentWhenGivenAndKopidsDefaultOtherwise() {
        run(OwnIdle.class).testEvents().assertStatistics(s -> s.succeeded(1));
        assertEquals("5m", kopid.creates.get(0).getIdleTimeout());
        run(OwnTtl.class).testEvents().assertStatistics(s -> s.succeeded(1));
        assertEquals("", kopid.creates.get(1).getIdleTimeout());
    }

    @Kopi(snapshot = "prod", ttl = "2h")
    static class OwnTtl {
        @Test
        void t(Clone clone) {
        }
    }

    @Test
    void theTtlCanBeChanged() {
        run(OwnTtl.class).testEvents().assertStatistics(s -> s.succeeded(1));
        assertEquals("2h", kopid.creates.get(0).getTtl());
        assertEquals("prod", kopid.creates.get(0).getSnapshot());
    }

    @Kopi(snapshot = "demo", scope = Kopi.Scope.CLASS)
    static class ClassScope {
        @BeforeAll
        static void before(Clone clone) {
            see("clone", clone.name());
            see("live at start", kopid.live());
        }

        @Test
        void one(Clone clone) {
            see("clone", clone.name());
        }

        @Test
        void two(Clone clone) {
            see("clone", clone.name());
            fail("failing on purpose");
        }

        @RepeatedTest(2)
        void three(Clone clone) {
            see("clone", clone.name());
        }

        @AfterAll
        static void after(Clone clone) {
            see("clone", clone.name());
            see("live at end", kopid.live());
        }
    }

    @Test
    void classScopeMakesOneCloneAndDestroysItAfterAll() {
        EngineExecutionResults r = run(ClassScope.class);
        r.testEvents().assertStatistics(s -> s.started(4).succeeded(3).failed(1));
        List<String> names = seen("clone");
        assertEquals(6, names.size());
        assertEquals(1, new HashSet<>(names).size(), names.toString());
        String name = names.get(0);
        assertTrue(name.matches("junit-classscope-[a-z0-9]{6}"), name);
        assertEquals(List.of("[" + name + "]"), seen("live at start"));
        assertEquals(List.of("[" + name + "]"), seen("live at end"));
        assertEquals(List.of("create " + name, "destroy " + name), kopid.log);
    }

    @Kopi(snapshot = "demo", scope = Kopi.Scope.CLASS)
    @TestMethodOrder(MethodOrderer.MethodName.class)
    static class MethodOverridesClass {
        @Test
        void a(Clone clone) {
            see("a", clone.name() + " " + clone.snapshot());
        }

        @Test
        @Kopi(snapshot = "prod")
        void b(Clone clone) {
            see("b", clone.name() + " " + clone.snapshot());
        }
    }

    @Test
    void aMethodsKopiOverridesTheClasss() {
        run(MethodOverridesClass.class).testEvents().assertStatistics(s -> s.succeeded(2));
        String a = seen("a").get(0);
        String b = seen("b").get(0);
        assertTrue(a.endsWith(" demo@" + FakeKopid.TAG), a);
        assertTrue(b.endsWith(" prod@" + FakeKopid.TAG), b);
        String classClone = a.split(" ")[0];
        String methodClone = b.split(" ")[0];
        assertEquals(List.of("create " + classClone, "create " + methodClone), kopid.log.subList(0, 2));
        // Both destroyed (off the tests' path, so in either order) by the end of the run.
        assertEquals(Set.of("destroy " + methodClone, "destroy " + classClone), Set.copyOf(kopid.log.subList(2, 4)));
        assertEquals(4, kopid.log.size(), kopid.log::toString);
    }

    @Kopi(snapshot = "demo", scope = Kopi.Scope.CLASS)
    static class Outer {
        @Test
        void outer(Clone clone) {
            see("clone", clone.name());
        }

        @Nested
        class Inner {
            @Test
            void inner(Clone clone) {
                see("clone", clone.name());
            }
        }
    }

    @Test
    void nestedClassesShareTheEnclosingClassClone() {
        run(Outer.class).testEvents().assertStatistics(s -> s.succeeded(2));
        assertEquals(1, new HashSet<>(seen("clone")).size(), seen("clone").toString());
        assertEquals(1, kopid.creates.size());
        assertEquals(Set.of(), kopid.live());
    }

    @Kopi(snapshot = "demo")
    static class Repeated {
        @RepeatedTest(3)
        void again(Clone clone) {
            see("clone", clone.name());
        }
    }

    @Test
    void everyRepetitionGetsAFreshClone() {
        run(Repeated.class).testEvents().assertStatistics(s -> s.succeeded(3));
        assertEquals(3, new HashSet<>(seen("clone")).size());
        assertEquals(Set.of(), kopid.live());
    }

    @Kopi(snapshot = "${kopi.test.snapshot:demo}", ttl = "${kopi.test.ttl:45m}")
    static class Placeholder {
        @Test
        void t(Clone clone) {
            see("snapshot", clone.snapshot());
        }
    }

    @Test
    void attributesCanComeFromConfigurationParameters() {
        run(Placeholder.class);
        run(Placeholder.class, "kopi.test.snapshot", "prod", "kopi.test.ttl", "5m");
        assertEquals(List.of("demo@" + FakeKopid.TAG, "prod@" + FakeKopid.TAG), seen("snapshot"));
        assertEquals(List.of("45m", "5m"), kopid.creates.stream().map(CreateCloneRequest::getTtl).toList());
    }

    @Kopi(snapshot = "demo", socket = "${my.socket}")
    static class OwnSocket {
        @Test
        void t(Clone clone) {
            see("clone", clone.name());
        }
    }

    @Test
    void theSocketCanBeNamedOnTheAnnotation() {
        EngineExecutionResults r = run(OwnSocket.class, KopiExtension.SOCKET_PARAMETER, null,
                "my.socket", socket.toString());
        r.testEvents().assertStatistics(s -> s.succeeded(1));
        assertEquals(1, kopid.creates.size());
    }
}
