-- The replication watermark, per database instead of per cluster.
--
-- pg_snapshot_xmin(pg_current_snapshot()) is the oldest transaction still running in the
-- whole PostgreSQL cluster. A transaction left open in ANOTHER database of the same
-- cluster (a migration elsewhere, a forgotten psql session) would therefore hold back
-- every pull and stream here, although it cannot write a single row of ours.
--
-- rxsync_watermark() is the oldest running transaction that may belong to this database:
-- the snapshot's running transactions, minus those pg_stat_activity positively shows
-- running in another database (or in none, like a WAL sender). Anything not positively elsewhere (a prepared transaction,
-- a backend pg_stat_activity does not list) still holds the watermark, so the rule stays
-- safe: a row is read only when no transaction that could commit below it is running.
-- pg_stat_activity's backend_xid is 32 bits; the running xids are all within 2^31 of each
-- other, so comparing them without the epoch is exact.
--
-- STABLE: inside a statement it uses that statement's snapshot, so pulls still filter
-- their rows and compute the watermark from the same snapshot.
CREATE FUNCTION rxsync_watermark() RETURNS xid8
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        (SELECT min(running)
           FROM pg_snapshot_xip(s) running
          WHERE running::xid NOT IN (
                SELECT a.backend_xid
                  FROM pg_stat_activity a
                 WHERE a.backend_xid IS NOT NULL
                   AND a.datname IS DISTINCT FROM current_database())),
        pg_snapshot_xmax(s))
    FROM pg_current_snapshot() s
$$;

GRANT EXECUTE ON FUNCTION rxsync_watermark() TO "${app_role}";
