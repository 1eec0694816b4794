package com.example.orders;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Orders, and the loyalty points this branch's migration (V1) adds to them. */
@Repository
public class OrderRepository {
    private final JdbcTemplate jdbc;

    public OrderRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public long count() {
        return jdbc.queryForObject("SELECT count(*) FROM orders", Long.class);
    }

    /** Points of a customer: one per 10 of amount over all their orders, plus what was granted. */
    public long pointsOf(int customer) {
        return jdbc.queryForObject("SELECT coalesce(sum(amount / 10 + loyalty_points), 0) FROM orders WHERE customer_id = ?",
                Long.class, customer);
    }

    public void grant(int customer, int points) {
        jdbc.update("UPDATE orders SET loyalty_points = loyalty_points + ? WHERE customer_id = ?", points, customer);
    }

    public int deleteCustomerOrders(int customer) {
        return jdbc.update("DELETE FROM orders WHERE customer_id = ?", customer);
    }
}
