-- Reverts V20__declared_collections.sql: the catalog as V12 made it (its orders row stays),
-- the triggers, policies and functions as V3 to V12 left them. The indexes and statistics
-- the declarations found already existed (V3, V7), so they stay.
DELETE FROM rxsync_collections WHERE name <> 'orders';

DROP FUNCTION public.rxsync_declared_collections();
DROP FUNCTION public.rxsync_declare_collection(text, regclass, jsonb, integer, name[], name[], boolean, boolean, boolean, text);
DROP FUNCTION public.rxsync_has_column(regclass, name);

ALTER TABLE rxsync_collections
    DROP CONSTRAINT rxsync_collections_table_name_key,
    DROP COLUMN scope,
    DROP COLUMN schema_version,
    DROP COLUMN server_only,
    DROP COLUMN read_only,
    DROP COLUMN client_may_create,
    DROP COLUMN client_may_delete,
    DROP COLUMN tombstones,
    DROP COLUMN description;

DROP POLICY users_owner ON users;
CREATE POLICY users_self ON users
    USING (id::text = current_setting('rxsync.user_id', true));

-- the trigger function as V12 left it, and the orders trigger without the key argument
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
CREATE OR REPLACE TRIGGER orders_delete_to_tombstone
    BEFORE DELETE ON orders
    FOR EACH ROW EXECUTE FUNCTION rxsync_delete_to_tombstone();

DELETE FROM flyway_schema_history WHERE version = '20';
