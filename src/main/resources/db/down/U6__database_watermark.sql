-- Reverts V6__database_watermark.sql.
DROP FUNCTION rxsync_watermark();

DELETE FROM flyway_schema_history WHERE version = '6';
