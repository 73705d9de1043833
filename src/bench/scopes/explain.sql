-- The plans of the pull pages at 200,000 rows, as the runtime role under row-level security
-- (the service's situation): the owner-scoped baseline and both designs, for a member of 100
-- groups, first page and caught up; and the leaving rows of d1 after a revoke of the
-- 10,000-row group (a SECURITY DEFINER function, so its plan comes from auto_explain).
\set ON_ERROR_STOP on
LOAD 'auto_explain';
SET ROLE :"app";
SELECT rxsync_watermark() AS now \gset
BEGIN;
SELECT set_config('rxsync.user_id', bench.uid('o20000')::text, true) IS NOT NULL AS declared;
\echo ==== owner scope, first page of 100 of a view of 20,000 rows
EXPLAIN (ANALYZE, BUFFERS)
SELECT t.id::text, t.status::text, t.total_cents::text, t.currency::text, t.deleted, t.change_xid::text, t.user_id::text
  FROM public.orders t
 WHERE t.user_id = bench.uid('o20000') AND (t.change_xid, t.id) > ('0'::xid8, '00000000-0000-0000-0000-000000000000'::uuid)
   AND t.change_xid < rxsync_watermark()
 ORDER BY t.change_xid, t.id LIMIT 100;
COMMIT;
BEGIN;
SELECT set_config('rxsync.user_id', bench.uid('u100')::text, true) IS NOT NULL AS declared;
\echo ==== d1, member of 100 groups, first page of 100
EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM d1.pull_items(bench.uid('u100'), '0', '00000000-0000-0000-0000-000000000000', 100);
\echo ==== d2, member of 100 groups, first page of 100
EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM d2.pull_items(bench.uid('u100'), '0', '00000000-0000-0000-0000-000000000000', 100);
\echo ==== d1, member of 100 groups, caught up
EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM d1.pull_items(bench.uid('u100'), :'now', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 100);
\echo ==== d2, member of 100 groups, caught up
EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM d2.pull_items(bench.uid('u100'), :'now', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 100);
COMMIT;
RESET ROLE;
SELECT rxsync_watermark() AS before_revoke \gset
UPDATE d1.memberships SET deleted = false WHERE group_id = bench.uid('big') AND user_id = bench.uid('ugrant');
DELETE FROM d1.memberships WHERE group_id = bench.uid('big') AND user_id = bench.uid('ugrant');
-- auto_explain's settings are the superuser's to change: before SET ROLE
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET auto_explain.log_nested_statements = on;
SET ROLE :"app";
BEGIN;
SELECT set_config('rxsync.user_id', bench.uid('ugrant')::text, true) IS NOT NULL AS declared;
\echo ==== d1, first page of 1,000 leaving rows after the revoke of the 10,000-row group
SET LOCAL client_min_messages = log;
SELECT count(*) FROM d1.pull_items(bench.uid('ugrant'), :'before_revoke', '00000000-0000-0000-0000-000000000000', 1000);
COMMIT;
