-- Reverts V10__tombstone_purge.sql.
DROP FUNCTION rxsync_checkpoint_after_horizon(text, uuid, xid8);
DROP FUNCTION rxsync_purge_tombstones(text, regclass, name, interval);

-- the trigger function as V3 created it
CREATE OR REPLACE FUNCTION rxsync_delete_to_tombstone() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN OLD;
    END IF;
    EXECUTE format('UPDATE %I.%I SET deleted = true WHERE id = $1', TG_TABLE_SCHEMA, TG_TABLE_NAME)
        USING OLD.id;
    RETURN NULL;
END;
$$;

DROP TABLE rxsync_tombstone_horizons;

DELETE FROM flyway_schema_history WHERE version = '10';
