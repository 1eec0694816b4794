package com.example.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.kopi.spring.AutoConfigureKopi;

/**
 * The repository on production data with this branch's migration, a fresh copy for every test:
 * the clone is reset after each method, which is kopictl reset's cost, not a context restart.
 */
@SpringBootTest
@AutoConfigureKopi(snapshot = "${kopi.snapshot:prod}", migrations = "classpath:db/migration",
        reset = AutoConfigureKopi.Reset.AFTER_EACH_METHOD)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OrderRepositoryTest {
    @Autowired
    OrderRepository orders;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    @Order(1)
    void theMigrationRanOnProductionData() {
        assertEquals(5000, orders.count());
        assertEquals(1, jdbc.queryForObject(
                "SELECT count(*) FROM flyway_schema_history WHERE version = '1' AND success", Integer.class));
        assertEquals(0, jdbc.queryForObject("SELECT max(loyalty_points) FROM orders", Integer.class));
    }

    @Test
    @Order(2)
    void grantingPointsAddsThem() {
        long before = orders.pointsOf(7);
        orders.grant(7, 5);
        assertEquals(before + 5L * jdbc.queryForObject("SELECT count(*) FROM orders WHERE customer_id = 7",
                Long.class), orders.pointsOf(7));
        assertEquals(5, orders.deleteCustomerOrders(7), "customer 7 has five orders");
    }

    @Test
    @Order(3)
    void theNextTestStartsFromTheSnapshotAgain() {
        assertEquals(5000, orders.count(), "the previous test's delete was reset");
        assertEquals(0, jdbc.queryForObject("SELECT max(loyalty_points) FROM orders", Integer.class));
    }
}
