-- Reverts V7__owner_statistics.sql.
DROP STATISTICS orders_owner_text;

DELETE FROM flyway_schema_history WHERE version = '7';
