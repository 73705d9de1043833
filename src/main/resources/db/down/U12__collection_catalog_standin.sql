-- Reverts the stand-in V12 (see there).
DROP TABLE rxsync_collections;

DELETE FROM flyway_schema_history WHERE version = '12';
