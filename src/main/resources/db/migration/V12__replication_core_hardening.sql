-- Closes the holes of issue 12 that live in SQL: the watermark, the tombstone purge and the
-- pull's guard.
--
-- Every function below pins search_path = pg_catalog, pg_temp and schema-qualifies our
-- names. pg_temp must be listed last: where it is not listed at all PostgreSQL searches it
-- FIRST for tables and views, so a temporary view called pg_stat_activity (or
-- rxsync_collections) on a pooled connection would stand in for the real one.

-- 1. The watermark (V6), computed the same way but:
--    * PARALLEL RESTRICTED: each parallel worker evaluated its own copy at its own moment,
--      so one statement could apply two watermarks and leave a hole in (change_xid, id)
--      order that a cursor then passed. Now it runs in the leader only, once per scan.
--    * never above the caller's own transaction: PostgreSQL leaves it out of the snapshot's
--      running list, so a caller that had written before asking would have read a
--      watermark above its own uncommitted rows.
--    * PL/pgSQL, which keeps the plan of its query; PostgreSQL 15 planned the SQL
--      function's query on every call (0.79 ms a call, against 0.04 ms for the snapshot
--      alone, measured with pgbench).
--    pg_current_snapshot() is the calling statement's snapshot here too (a STABLE PL/pgSQL
--    function takes no snapshot of its own), so pulls still filter their rows and compute
--    the watermark from the same snapshot.
CREATE OR REPLACE FUNCTION public.rxsync_watermark() RETURNS xid8
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    snapshot pg_catalog.pg_snapshot := pg_catalog.pg_current_snapshot();
    oldest   xid8;
BEGIN
    -- the oldest running transaction not positively running in another database
    SELECT min(running) INTO oldest
      FROM pg_catalog.pg_snapshot_xip(snapshot) running
     WHERE running::xid NOT IN (
           SELECT a.backend_xid
             FROM pg_catalog.pg_stat_activity a
            WHERE a.backend_xid IS NOT NULL
              AND a.datname IS DISTINCT FROM pg_catalog.current_database());
    -- least() skips the NULL of a caller that has not written
    RETURN least(coalesce(oldest, pg_catalog.pg_snapshot_xmax(snapshot)),
                 pg_catalog.pg_current_xact_id_if_assigned());
END;
$$;

-- The lag gauges (V11), with the pinned path and qualified names.
CREATE OR REPLACE FUNCTION public.rxsync_watermark_lag(OUT xids bigint, OUT seconds double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot())::text::bigint - w::text::bigint,
           CASE WHEN w = pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot()) THEN 0
                ELSE (SELECT extract(epoch FROM pg_catalog.clock_timestamp() - min(a.xact_start))::float8
                        FROM pg_catalog.pg_stat_activity a
                       WHERE a.backend_xid = w::xid)
           END
    FROM public.rxsync_watermark() w
$$;

-- 2. The collections the purge may touch, and how: only the owning role writes or reads
--    this table, so the runtime role can name a collection but not choose the table or the
--    owner column behind it (issue 13 extends it into the declaration catalog).
CREATE TABLE public.rxsync_collections (
    name         varchar(100) PRIMARY KEY,
    table_name   regclass     NOT NULL,
    owner_column name         NOT NULL,
    created_at   timestamptz  NOT NULL DEFAULT now(),
    updated_at   timestamptz  NOT NULL DEFAULT now()
);
REVOKE ALL ON public.rxsync_collections FROM PUBLIC;
INSERT INTO public.rxsync_collections (name, table_name, owner_column) VALUES ('orders', 'public.orders', 'user_id');

-- 3. The horizon becomes a position: with only the newest purged change_xid, a client whose
--    last document WAS the newest purged tombstone was told to resync although it missed
--    nothing. NULL (rows purged before this migration): the id is unknown, so every
--    checkpoint at that change_xid is refused, as before.
ALTER TABLE public.rxsync_tombstone_horizons ADD COLUMN purged_id varchar(512);

-- A SQL DELETE still becomes a tombstone. Only the purge removes rows that already are
-- tombstones: it sets rxsync.purging, and, because any role can set a setting, the
-- executing role must also be the table's owner (the purge runs as the owner; the runtime
-- role never is). Deleting a row that already is a tombstone otherwise changes nothing.
CREATE OR REPLACE FUNCTION public.rxsync_delete_to_tombstone() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN OLD;
    END IF;
    IF OLD.deleted THEN
        IF current_setting('rxsync.purging', true) = 'on'
           AND (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID)
               = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END IF;
    EXECUTE format('UPDATE %I.%I SET deleted = true WHERE id = $1', TG_TABLE_SCHEMA, TG_TABLE_NAME)
        USING OLD.id;
    RETURN NULL;
END;
$$;

-- Removes the tombstones of one collection older than p_older_than (by updated_at, the time
-- of the delete) and raises the horizon of each user who lost one to the position of the
-- newest row purged. Returns the number of rows removed, or -1 when another instance is
-- purging the same collection right now.
--
-- SECURITY DEFINER: the runtime role is under row-level security and sees one user at a
-- time; the purge works across users as the owner of the tables. The caller only names the
-- collection: its table and owner column come from rxsync_collections, so the horizon is
-- always filed under the real collection and the real owners.
DROP FUNCTION public.rxsync_purge_tombstones(text, regclass, name, interval);
CREATE FUNCTION public.rxsync_purge_tombstones(p_collection text, p_older_than interval)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    collection public.rxsync_collections%ROWTYPE;
    purged     bigint;
BEGIN
    SELECT * INTO collection FROM public.rxsync_collections c WHERE c.name = p_collection;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no collection named %', p_collection;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger tg
                    WHERE tg.tgrelid = collection.table_name
                      AND tg.tgfoid = 'public.rxsync_delete_to_tombstone'::regproc) THEN
        RAISE EXCEPTION '% is not a table of tombstones', collection.table_name;
    END IF;
    IF p_older_than <= interval '0' THEN
        RAISE EXCEPTION 'retention must be positive, not %', p_older_than;
    END IF;
    -- several instances run the same schedule: one purges, the others skip this round
    IF NOT pg_try_advisory_xact_lock(hashtext('rxsync_purge_tombstones'), hashtext(p_collection)) THEN
        RETURN -1;
    END IF;
    PERFORM set_config('rxsync.purging', 'on', true);
    -- Rows of one transaction share their delete time, so a purge removes all of them or
    -- none: a later purge never reaches back into a change_xid an earlier one finished.
    EXECUTE format($sql$
        WITH purged AS (
            DELETE FROM %s t
             WHERE t.deleted
               AND t.updated_at < now() - $1
               AND t.change_xid < public.rxsync_watermark()
            RETURNING t.%I AS user_id, t.change_xid, t.id),
        newest AS (
            SELECT DISTINCT ON (p.user_id) p.user_id, p.change_xid, p.id::text AS id
              FROM purged p
             ORDER BY p.user_id, p.change_xid DESC, p.id DESC),
        horizon AS (
            INSERT INTO public.rxsync_tombstone_horizons AS h (user_id, collection, purged_xid, purged_id)
            SELECT n.user_id, $2, n.change_xid, n.id FROM newest n
            ON CONFLICT (user_id, collection)
            DO UPDATE SET purged_xid = EXCLUDED.purged_xid, purged_id = EXCLUDED.purged_id, updated_at = now()
            WHERE EXCLUDED.purged_xid > h.purged_xid)
        SELECT count(*) FROM purged$sql$, collection.table_name, collection.owner_column)
        INTO purged USING p_older_than, p_collection;
    PERFORM set_config('rxsync.purging', 'off', true);
    RETURN purged;
END;
$$;

REVOKE ALL ON FUNCTION public.rxsync_purge_tombstones(text, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.rxsync_purge_tombstones(text, interval) TO "${app_role}";

-- The pull's guard: true, or 410 (as a SQLSTATE) when the checkpoint position
-- (p_lwt, p_id) cannot be trusted:
--   RX410  it is strictly before the newest tombstone purged for the user in that
--          collection (that delete may never have reached the client);
--   RX411  it is at or above the xmax of the current snapshot: no transaction of this
--          database has that id yet, so the checkpoint comes from another timeline (a
--          restore, a point-in-time recovery, a failover that lost commits), and rows
--          written from now on would get ids the client believes it has passed.
-- The pull statement calls it with constant arguments, so it runs once, before any row, in
-- the same snapshot as the page it guards. p_id has the type of the collection's id, so it
-- compares as the pull's own (change_xid, id) order does. A first pull (lwt 0) passes.
DROP FUNCTION public.rxsync_checkpoint_after_horizon(text, uuid, xid8);
CREATE FUNCTION public.rxsync_checkpoint_after_horizon(p_collection text, p_user_id uuid, p_lwt xid8,
                                                       p_id anyelement)
RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    horizon   public.rxsync_tombstone_horizons%ROWTYPE;
    purged_id p_id%TYPE;
BEGIN
    IF p_lwt = '0'::xid8 THEN
        RETURN true;
    END IF;
    IF p_lwt >= pg_snapshot_xmax(pg_current_snapshot()) THEN
        RAISE EXCEPTION 'checkpoint % of collection % is ahead of this database', p_lwt, p_collection
            USING ERRCODE = 'RX411';
    END IF;
    SELECT * INTO horizon FROM public.rxsync_tombstone_horizons h
     WHERE h.user_id = p_user_id AND h.collection = p_collection;
    IF NOT FOUND OR p_lwt > horizon.purged_xid THEN
        RETURN true;
    END IF;
    purged_id := horizon.purged_id;
    IF p_lwt < horizon.purged_xid OR purged_id IS NULL OR p_id < purged_id THEN
        RAISE EXCEPTION 'checkpoint % of collection % is older than the tombstone purge horizon', p_lwt, p_collection
            USING ERRCODE = 'RX410';
    END IF;
    RETURN true;
END;
$$;

GRANT EXECUTE ON FUNCTION public.rxsync_checkpoint_after_horizon(text, uuid, xid8, anyelement) TO "${app_role}";
