-- Tombstone horizons keyed by the owner as the collection's scope compares it, as text.
--
-- An owner column may hold the caller's account id (uuid) or their subject at an external
-- identity provider (text, V25). The horizon of a purge was keyed by a users.id, so a purge
-- in a collection whose owners are subjects failed on the cast, and the pull's guard could
-- not be given a subject. Now the key is the owner column's value as text: an account id for
-- uuid owners, a subject for text owners. A horizon no longer goes with its account when the
-- account is deleted (a subject has no account row to follow); the leftover row only makes an
-- old checkpoint of that owner get 410, which is what it should get anyway.
ALTER TABLE public.rxsync_tombstone_horizons DROP CONSTRAINT rxsync_tombstone_horizons_user_id_fkey;
ALTER TABLE public.rxsync_tombstone_horizons DROP CONSTRAINT rxsync_tombstone_horizons_user_collection_key;
DROP POLICY rxsync_tombstone_horizons_owner ON public.rxsync_tombstone_horizons;
ALTER TABLE public.rxsync_tombstone_horizons RENAME COLUMN user_id TO owner_key;
ALTER TABLE public.rxsync_tombstone_horizons ALTER COLUMN owner_key TYPE varchar(255) USING owner_key::text;
-- the pull guard's lookup
ALTER TABLE public.rxsync_tombstone_horizons
    ADD CONSTRAINT rxsync_tombstone_horizons_owner_collection_key UNIQUE (owner_key, collection);
-- The runtime role reads the horizons of the caller it acts for, under either identity.
CREATE POLICY rxsync_tombstone_horizons_owner ON public.rxsync_tombstone_horizons FOR SELECT
    USING (owner_key = current_setting('rxsync.user_id', true) OR owner_key = current_setting('rxsync.subject', true));

CREATE OR REPLACE FUNCTION public.rxsync_purge_tombstones(p_collection text, p_older_than interval)
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
            RETURNING t.%I::text AS owner_key, t.change_xid, t.id),
        newest AS (
            SELECT DISTINCT ON (p.owner_key) p.owner_key, p.change_xid, p.id::text AS id
              FROM purged p
             ORDER BY p.owner_key, p.change_xid DESC, p.id DESC),
        horizon AS (
            INSERT INTO public.rxsync_tombstone_horizons AS h (owner_key, collection, purged_xid, purged_id)
            SELECT n.owner_key, $2, n.change_xid, n.id FROM newest n
            ON CONFLICT (owner_key, collection)
            DO UPDATE SET purged_xid = EXCLUDED.purged_xid, purged_id = EXCLUDED.purged_id, updated_at = now()
            WHERE EXCLUDED.purged_xid > h.purged_xid)
        SELECT count(*) FROM purged$sql$, collection.table_name, collection.owner_column)
        INTO purged USING p_older_than, p_collection;
    PERFORM set_config('rxsync.purging', 'off', true);
    RETURN purged;
END;
$$;


DROP FUNCTION public.rxsync_checkpoint_after_horizon(text, uuid, xid8, anyelement);
CREATE FUNCTION public.rxsync_checkpoint_after_horizon(p_collection text, p_owner_key text, p_lwt xid8,
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
     WHERE h.owner_key = p_owner_key AND h.collection = p_collection;
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

GRANT EXECUTE ON FUNCTION public.rxsync_checkpoint_after_horizon(text, text, xid8, anyelement) TO "${app_role}";
