-- Reverts V12__replication_core_hardening.sql: the functions as V6, V10 and V11 created them.
DROP FUNCTION rxsync_checkpoint_after_horizon(text, uuid, xid8, anyelement);
CREATE FUNCTION rxsync_checkpoint_after_horizon(p_collection text, p_user_id uuid, p_lwt xid8)
RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_lwt <> '0'::xid8 AND EXISTS (
            SELECT FROM rxsync_tombstone_horizons h
             WHERE h.user_id = p_user_id AND h.collection = p_collection AND p_lwt <= h.purged_xid) THEN
        RAISE EXCEPTION 'checkpoint % of collection % is older than the tombstone purge horizon', p_lwt, p_collection
            USING ERRCODE = 'RX410';
    END IF;
    RETURN true;
END;
$$;

GRANT EXECUTE ON FUNCTION rxsync_checkpoint_after_horizon(text, uuid, xid8) TO "${app_role}";

DROP FUNCTION rxsync_purge_tombstones(text, interval);
CREATE FUNCTION rxsync_purge_tombstones(p_collection text, p_table regclass, p_owner_column name,
                                        p_older_than interval)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    purged bigint;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_trigger tg
                    WHERE tg.tgrelid = p_table AND tg.tgfoid = 'rxsync_delete_to_tombstone'::regproc) THEN
        RAISE EXCEPTION '% is not a table of tombstones', p_table;
    END IF;
    IF p_older_than <= interval '0' THEN
        RAISE EXCEPTION 'retention must be positive, not %', p_older_than;
    END IF;
    -- several instances run the same schedule: one purges, the others skip this round
    IF NOT pg_try_advisory_xact_lock(hashtext('rxsync_purge_tombstones'), hashtext(p_collection)) THEN
        RETURN -1;
    END IF;
    PERFORM set_config('rxsync.purging', 'on', true);
    EXECUTE format($sql$
        WITH purged AS (
            DELETE FROM %s t
             WHERE t.deleted
               AND t.updated_at < now() - $1
               AND t.change_xid < rxsync_watermark()
            RETURNING t.%I AS user_id, t.change_xid),
        horizon AS (
            INSERT INTO rxsync_tombstone_horizons AS h (user_id, collection, purged_xid)
            SELECT user_id, $2, max(change_xid) FROM purged GROUP BY user_id
            ON CONFLICT (user_id, collection)
            DO UPDATE SET purged_xid = greatest(h.purged_xid, EXCLUDED.purged_xid), updated_at = now())
        SELECT count(*) FROM purged$sql$, p_table, p_owner_column)
        INTO purged USING p_older_than, p_collection;
    PERFORM set_config('rxsync.purging', 'off', true);
    RETURN purged;
END;
$$;

REVOKE ALL ON FUNCTION rxsync_purge_tombstones(text, regclass, name, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rxsync_purge_tombstones(text, regclass, name, interval) TO "${app_role}";

CREATE OR REPLACE FUNCTION rxsync_delete_to_tombstone() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN OLD;
    END IF;
    IF OLD.deleted AND current_setting('rxsync.purging', true) = 'on' THEN
        RETURN OLD;
    END IF;
    EXECUTE format('UPDATE %I.%I SET deleted = true WHERE id = $1', TG_TABLE_SCHEMA, TG_TABLE_NAME)
        USING OLD.id;
    RETURN NULL;
END;
$$;
ALTER FUNCTION rxsync_delete_to_tombstone() RESET search_path;

ALTER TABLE rxsync_tombstone_horizons DROP COLUMN purged_id;
DROP TABLE rxsync_collections;

CREATE OR REPLACE FUNCTION rxsync_watermark_lag(OUT xids bigint, OUT seconds double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint - w::text::bigint,
           CASE WHEN w = pg_snapshot_xmax(pg_current_snapshot()) THEN 0
                ELSE (SELECT extract(epoch FROM clock_timestamp() - min(a.xact_start))::float8
                        FROM pg_stat_activity a
                       WHERE a.backend_xid = w::xid)
           END
    FROM rxsync_watermark() w
$$;

CREATE OR REPLACE FUNCTION rxsync_watermark() RETURNS xid8
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
ALTER FUNCTION rxsync_watermark() RESET search_path;

DELETE FROM flyway_schema_history WHERE version = '12';
