CREATE TABLE order_notes (id bigserial PRIMARY KEY, order_id int NOT NULL, at timestamptz NOT NULL DEFAULT now());
