package com.example.orders.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import com.example.orders.OrderRepository;
import com.example.orders.OrdersApplication;

import dev.kopi.spring.AutoConfigureKopi;

/**
 * Not an example to copy: a Spring Boot row of Kopi's test-harness benchmark. 200 tests that
 * each delete rows and find the snapshot's data again, because the clone is reset after each
 * method (kopictl reset's cost, the context stays).
 */
@SpringBootTest(classes = OrdersApplication.class)
@AutoConfigureKopi(snapshot = "${kopi.snapshot:prod}", migrations = "classpath:db/migration",
        reset = AutoConfigureKopi.Reset.AFTER_EACH_METHOD)
@EnabledIfSystemProperty(named = "kopi.example.bench", matches = "true")
class ResetPerMethodBenchTest {
    @Autowired
    OrderRepository orders;

    @RepeatedTest(200)
    void deletesAndFindsTheSnapshotAgain() {
        assertEquals(5000, orders.count(), "the previous test's delete was reset");
        assertEquals(5, orders.deleteCustomerOrders(7));
    }
}
