-- Open orders, oldest first, across all users (OrderRepository.oldestPending): pending
-- orders are a small share of all orders, so a partial index stays small and hands them
-- out already in order. Its predicate must appear literally in the query.
CREATE INDEX orders_pending_idx ON orders (created_at, id) WHERE status = 'pending' AND NOT deleted;

-- Orders found by what their metadata contains (OrderRepository.findByMetadata), e.g. an
-- external payment reference arriving from a webhook. jsonb_path_ops serves only @>,
-- the one operator we use, and is smaller and faster than the default jsonb_ops.
CREATE INDEX orders_metadata_idx ON orders USING gin (metadata jsonb_path_ops);
