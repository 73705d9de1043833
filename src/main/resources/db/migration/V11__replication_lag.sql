-- How far an open transaction holds replication back (the watermark-lag metrics,
-- ops/LagSampler): the transaction ids assigned since the watermark, and how long the
-- transaction at the watermark has been open.
--
-- SECURITY DEFINER: pg_stat_activity shows another role's transaction start only to a
-- role with pg_read_all_stats (or a superuser). The function runs as the owner of the
-- schema; where that role lacks the privilege, seconds is NULL and only xids is known.
CREATE FUNCTION rxsync_watermark_lag(OUT xids bigint, OUT seconds double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint - w::text::bigint,
           CASE WHEN w = pg_snapshot_xmax(pg_current_snapshot()) THEN 0
                ELSE (SELECT extract(epoch FROM clock_timestamp() - min(a.xact_start))::float8
                        FROM pg_stat_activity a
                       WHERE a.backend_xid = w::xid)
           END
    FROM rxsync_watermark() w
$$;

REVOKE ALL ON FUNCTION rxsync_watermark_lag() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rxsync_watermark_lag() TO "${app_role}";
