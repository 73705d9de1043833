-- After a grant or a revoke (grant_cycle.sql, included twice): the member's client pulls
-- pages of 1,000 from just before it until a short page, as the runtime role under
-- row-level security; then the change pump reads its window over it, routed to the member.
-- Each is timed (\timing) and prints the number of documents it delivered.
SET ROLE :"app";
\timing on
SELECT total FROM bench.catch_up(:'design', 'items', bench.uid('ugrant'), :'lo',
                                 '00000000-0000-0000-0000-000000000000', 1000, NULL);
\timing off
SELECT set_config('rxsync.scope', 'all-users', false);
\timing on
SELECT count(*) FROM :"design".pump_items(ARRAY[bench.uid('ugrant')], :'lo', rxsync_watermark());
\timing off
SELECT set_config('rxsync.scope', '', false);
RESET ROLE;
