package dev.kopi.client.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kopi.client.FakeKopid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Generated names are readable and always valid for kopid. */
class CloneNamesTest {
    static class OrderRepositoryTest {
    }

    @Test
    void readable() {
        assertEquals("junit-orderrepositorytest-cancelsorders-abc123",
                CloneNames.name("OrderRepositoryTest", "cancelsOrders", "abc123"));
        assertEquals("junit-x-abc123", CloneNames.name("X", "", "abc123"));
        assertTrue(CloneNames.forMethod(OrderRepositoryTest.class, "cancelsOrders")
                .matches("junit-orderrepositorytest-cancelsorders-[a-z0-9]{6}"));
        assertTrue(CloneNames.forClass(OrderRepositoryTest.class).matches("junit-orderrepositorytest-[a-z0-9]{6}"));
    }

    @Test
    void unique() {
        assertNotEquals(CloneNames.forClass(OrderRepositoryTest.class), CloneNames.forClass(OrderRepositoryTest.class));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a", "Ünïcödé_Tëst", "..dots..in..it..", "-lead", "trail-", "with space and $dollar",
            "测试", "aVeryLongTestMethodNameThatGoesOnAndOnAndOnForeverAndEverMoreThan63Characters",
            "_._._", "a..b", "x.-.y"})
    void alwaysValid(String s) {
        String name = CloneNames.name(s + "Class", s, CloneNames.suffix());
        assertTrue(FakeKopid.validName(name), name); // kopid's rule, as the fake checks it
        String method = CloneNames.name(s, s, CloneNames.suffix());
        assertTrue(FakeKopid.validName(method) && method.length() <= 63, method);
    }

    @Test
    void sanitizes() {
        assertEquals("a-b", CloneNames.sanitize("A  B", 24));
        assertEquals("a.b", CloneNames.sanitize("a...b", 24));
        assertEquals("abc", CloneNames.sanitize("abcdef", 3));
        assertEquals("ab", CloneNames.sanitize("ab-def", 3));
        assertEquals("", CloneNames.sanitize("测试", 24));
    }
}
