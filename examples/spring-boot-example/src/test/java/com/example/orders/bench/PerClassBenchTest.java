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
 * Not an example to copy: the Spring Boot rows of Kopi's test-harness benchmark
 * ({@code scripts/bench tests}), which runs it with {@code -Dkopi.example.bench=true}. 200 tests
 * on one clone per context (the class's), as a Spring suite that shares its database runs.
 */
@SpringBootTest(classes = OrdersApplication.class)
@AutoConfigureKopi(snapshot = "${kopi.snapshot:prod}", migrations = "classpath:db/migration")
@EnabledIfSystemProperty(named = "kopi.example.bench", matches = "true")
class PerClassBenchTest {
    @Autowired
    OrderRepository orders;

    @RepeatedTest(200)
    void countsOrders() {
        assertEquals(5000, orders.count());
    }
}
