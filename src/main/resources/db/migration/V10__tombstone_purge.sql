-- Tombstone retention: deleted documents are kept as tombstones (deleted = true) so that
-- every client learns of the delete; after a retention period (rxsync.tombstones.retention)
-- the scheduled purge (ops/TombstonePurge) removes them for good.
--
-- A client whose checkpoint is at or below a purged tombstone may never have received that
-- delete: its pulls are refused with 410 Gone and it must resync from scratch (README,
-- Operations). The horizon is kept per user and collection, so that a purge only
-- affects the clients of users who really lost a tombstone.

CREATE TABLE rxsync_tombstone_horizons (
    id          uuid         PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    collection  varchar(100) NOT NULL,
    -- the newest change_xid purged: checkpoints at or below it may have missed a delete
    purged_xid  xid8         NOT NULL,
    created_at  timestamptz  NOT NULL DEFAULT now(),
    updated_at  timestamptz  NOT NULL DEFAULT now(),
    -- also the foreign key's index (user_id leads) and the pull check's lookup
    CONSTRAINT rxsync_tombstone_horizons_user_collection_key UNIQUE (user_id, collection)
);

-- The runtime role reads the horizon of the user it acts for; only the purge writes it.
GRANT SELECT ON rxsync_tombstone_horizons TO "${app_role}";
ALTER TABLE rxsync_tombstone_horizons ENABLE ROW LEVEL SECURITY;
CREATE POLICY rxsync_tombstone_horizons_owner ON rxsync_tombstone_horizons FOR SELECT
    USING (user_id::text = current_setting('rxsync.user_id', true));

-- A SQL DELETE still becomes a tombstone, except inside the purge, which deletes rows that
-- already are tombstones (the purge sets rxsync.purging for its own transaction only).
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

-- Removes the tombstones of one collection older than p_older_than (by updated_at, the time
-- of the delete) and raises the horizon of each user who lost one. Returns the number of
-- rows removed, or -1 when another instance is purging the same collection right now.
--
-- SECURITY DEFINER: the runtime role is under row-level security and sees one user at a
-- time; the purge works across users as the owner of the tables. It only accepts tables
-- that carry the tombstone trigger, i.e. replicated collections whose deletes are
-- tombstones (never users, whose rows really delete).
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

-- The pull's guard: true, or SQLSTATE RX410 when the checkpoint is at or below the user's
-- horizon in that collection. The pull statement calls it with constant arguments, so it
-- runs once, before any row, in the same snapshot as the page it guards: a purge cannot
-- slip between the check and the read. A first pull (lwt 0) has nothing to miss.
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
