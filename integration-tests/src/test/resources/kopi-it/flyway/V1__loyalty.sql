-- A migration a pull request might bring: a column with a default, and an index on it.
ALTER TABLE orders ADD COLUMN loyalty_points int NOT NULL DEFAULT 3;
CREATE INDEX orders_loyalty ON orders (loyalty_points);
