CREATE TABLE orders (
    id          uuid          PRIMARY KEY,
    user_id     uuid          NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status      varchar(16)   NOT NULL,
    total_cents bigint        NOT NULL,
    currency    char(3)       NOT NULL,
    note        varchar(1000),
    metadata    jsonb,
    created_at  timestamptz   NOT NULL DEFAULT now(),
    updated_at  timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT orders_status_check CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
    CONSTRAINT orders_total_cents_check CHECK (total_cents >= 0),
    CONSTRAINT orders_currency_check CHECK (currency ~ '^[A-Z]{3}$')
);

-- Serves the foreign key (ON DELETE CASCADE from users) and owner-scoped lookups.
CREATE INDEX orders_user_id_idx ON orders (user_id);
