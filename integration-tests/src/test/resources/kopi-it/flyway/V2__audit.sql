CREATE TABLE order_audit (id bigserial PRIMARY KEY, order_id int NOT NULL, at timestamptz NOT NULL DEFAULT now());
