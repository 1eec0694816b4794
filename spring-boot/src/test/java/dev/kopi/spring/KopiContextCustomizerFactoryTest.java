package dev.kopi.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Which test classes get a clone, and which share one (equal customizers share a Spring context). */
class KopiContextCustomizerFactoryTest {
    private final KopiContextCustomizerFactory factory = new KopiContextCustomizerFactory();

    @AutoConfigureKopi(snapshot = "prod", migrations = "classpath:db/migration")
    static class A {
    }

    @AutoConfigureKopi(snapshot = "prod", migrations = "classpath:db/migration",
            reset = AutoConfigureKopi.Reset.AFTER_EACH_METHOD)
    static class SameCloneOtherReset {
    }

    @AutoConfigureKopi(snapshot = "staging")
    static class Other {
    }

    static class Plain {
    }

    static class Inherits extends A {
    }

    @Test
    void onlyAnnotatedClassesGetACustomizer() {
        assertNull(factory.createContextCustomizer(Plain.class, List.of()));
        assertEquals(new KopiContextCustomizer("prod", List.of("classpath:db/migration"), "", "30m"),
                factory.createContextCustomizer(A.class, List.of()));
        assertEquals(factory.createContextCustomizer(A.class, List.of()),
                factory.createContextCustomizer(Inherits.class, List.of()), "inherited");
    }

    @Test
    void classesWithTheSameCloneSettingsShareAContextWhateverTheirReset() {
        assertEquals(factory.createContextCustomizer(A.class, List.of()),
                factory.createContextCustomizer(SameCloneOtherReset.class, List.of()));
        assertEquals(factory.createContextCustomizer(A.class, List.of()).hashCode(),
                factory.createContextCustomizer(SameCloneOtherReset.class, List.of()).hashCode());
        assertNotEquals(factory.createContextCustomizer(A.class, List.of()),
                factory.createContextCustomizer(Other.class, List.of()));
    }
}
