-- Reverts V11__replication_lag.sql.
DROP FUNCTION rxsync_watermark_lag();

DELETE FROM flyway_schema_history WHERE version = '11';
