package com.example.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import dev.kopi.client.Clone;
import dev.kopi.spring.AutoConfigureKopi;

/** Another test class with the same settings: Spring reuses the context, and so the clone. */
@SpringBootTest
@AutoConfigureKopi(snapshot = "${kopi.snapshot:prod}", migrations = "classpath:db/migration",
        reset = AutoConfigureKopi.Reset.AFTER_EACH_METHOD)
class ReportTest {
    @Autowired
    OrderRepository orders;

    @Autowired
    Clone clone;

    @Test
    void readsTheClonesData() {
        assertEquals(5000, orders.count());
        assertEquals(true, clone.snapshot().contains("."), "a clone of the migrated snapshot: " + clone.snapshot());
    }
}
