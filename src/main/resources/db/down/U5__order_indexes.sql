-- Reverts V5__order_indexes.sql.
DROP INDEX orders_metadata_idx;
DROP INDEX orders_pending_idx;

DELETE FROM flyway_schema_history WHERE version = '5';
