-- A pull request's migration on the pgbench schema: a column with a default, an index, a table.
ALTER TABLE pgbench_accounts ADD COLUMN tier int NOT NULL DEFAULT 1;
CREATE INDEX pgbench_accounts_tier ON pgbench_accounts (tier);
CREATE TABLE pgbench_rewards (aid int PRIMARY KEY, points int NOT NULL DEFAULT 0);
