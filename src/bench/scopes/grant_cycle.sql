-- One grant and one revoke of ugrant in the 10,000-row group "big", for one design
-- (-v design=d1|d2), timed by psql (\timing), in this order:
--   grant          the grant's transaction (UPDATE of the membership, and any fan-out)
--   grant pull     the member's client pulling pages of 1,000 from just before the grant
--                  until a short page (as the runtime role, under row-level security)
--   grant pump     the change pump's window over the grant, routed to the member
--   revoke, revoke pull, revoke pump   the same for the revoke (leaving documents)
-- The counts printed are the documents each pull and window delivered.
\set ON_ERROR_STOP on
\pset tuples_only on
\pset format unaligned
SELECT rxsync_watermark() AS lo \gset
\timing on
UPDATE :"design".memberships SET deleted = false WHERE group_id = bench.uid('big') AND user_id = bench.uid('ugrant');
\timing off
\ir deliver.sql
SELECT rxsync_watermark() AS lo \gset
\timing on
DELETE FROM :"design".memberships WHERE group_id = bench.uid('big') AND user_id = bench.uid('ugrant');
\timing off
\ir deliver.sql
