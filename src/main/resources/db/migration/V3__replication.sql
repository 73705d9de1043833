-- What replication needs on every replicated table:
--   deleted     the tombstone flag clients receive as `_deleted`;
--   change_xid  the id of the transaction that last wrote the row (xid8). A pull only
--               returns rows whose change_xid is below the oldest transaction still
--               running (pg_snapshot_xmin), so a checkpoint never passes a change that
--               has not committed yet, whatever order transactions commit in.
-- Both are kept by triggers, so writes made straight in SQL replicate too.

CREATE FUNCTION rxsync_stamp_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_xid := pg_current_xact_id();
    IF TG_OP = 'UPDATE' THEN
        NEW.updated_at := now();
        NEW.created_at := OLD.created_at;
    END IF;
    RETURN NEW;
END;
$$;

-- A DELETE issued in SQL becomes a tombstone, so that clients learn of it. A delete
-- cascaded from another table (pg_trigger_depth() > 1, e.g. the owner's account being
-- removed) really deletes: nobody is left to replicate it to.
CREATE FUNCTION rxsync_delete_to_tombstone() RETURNS trigger
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

-- users: the profile replicates; an account is removed for real (it cascades to the
-- user's documents), so no tombstone trigger here.
ALTER TABLE users
    ADD COLUMN deleted    boolean NOT NULL DEFAULT false,
    ADD COLUMN change_xid xid8    NOT NULL DEFAULT pg_current_xact_id();
CREATE TRIGGER users_stamp_change
    BEFORE INSERT OR UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION rxsync_stamp_change();

ALTER TABLE orders
    ADD COLUMN deleted    boolean NOT NULL DEFAULT false,
    ADD COLUMN change_xid xid8    NOT NULL DEFAULT pg_current_xact_id();
CREATE TRIGGER orders_stamp_change
    BEFORE INSERT OR UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION rxsync_stamp_change();
CREATE TRIGGER orders_delete_to_tombstone
    BEFORE DELETE ON orders
    FOR EACH ROW EXECUTE FUNCTION rxsync_delete_to_tombstone();

-- Pull: WHERE user_id = $1 AND (change_xid, id) > ($2, $3) ORDER BY change_xid, id.
-- It replaces orders_user_id_idx for the foreign key too (user_id is its leading column).
CREATE INDEX orders_pull_idx ON orders (user_id, change_xid, id);
DROP INDEX orders_user_id_idx;
-- Change pump: the next window of all owners, WHERE (change_xid, id) > ($1, $2).
CREATE INDEX orders_change_idx ON orders (change_xid, id);
-- users are pulled by primary key (a user sees one row); the pump needs the window index.
CREATE INDEX users_change_idx ON users (change_xid, id);
