-- Reverts V3__replication.sql: the replication columns, triggers, functions and indexes.
DROP INDEX users_change_idx;
DROP INDEX orders_change_idx;
-- V3 moved the foreign key's index into orders_pull_idx; give it back its own first.
CREATE INDEX orders_user_id_idx ON orders (user_id);
DROP INDEX orders_pull_idx;

DROP TRIGGER orders_delete_to_tombstone ON orders;
DROP TRIGGER orders_stamp_change ON orders;
ALTER TABLE orders
    DROP COLUMN change_xid,
    DROP COLUMN deleted;

DROP TRIGGER users_stamp_change ON users;
ALTER TABLE users
    DROP COLUMN change_xid,
    DROP COLUMN deleted;

DROP FUNCTION rxsync_delete_to_tombstone();
DROP FUNCTION rxsync_stamp_change();

DELETE FROM flyway_schema_history WHERE version = '3';
