-- This branch's change: loyalty points per order.
ALTER TABLE orders ADD COLUMN loyalty_points int NOT NULL DEFAULT 0;
CREATE INDEX orders_customer_points ON orders (customer_id, loyalty_points);
