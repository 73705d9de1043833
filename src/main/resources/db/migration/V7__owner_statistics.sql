-- Statistics on the expression the row-level security policy compares (V4: orders_owner,
-- user_id::text = current_setting('rxsync.user_id')).
--
-- Without them the planner guesses that the policy keeps about 1 % of a user's rows, so it
-- expects a heavy user's pull page to find only a few hundred rows; it then reads ALL of
-- the user's remaining rows with a bitmap scan and sorts them, for every page, instead of
-- walking orders_pull_idx in order and stopping at the LIMIT (found by the benchmark: a
-- page of 1,000 of a user's 100,000 orders took 129 ms instead of 1.6 ms). With the
-- expression's statistics the estimate is the user's real share of the table.
CREATE STATISTICS orders_owner_text ON (user_id::text) FROM orders;
ANALYZE orders;
