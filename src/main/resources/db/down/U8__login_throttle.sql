-- Reverts V8__login_throttle.sql.
DROP TABLE login_attempts;

DELETE FROM flyway_schema_history WHERE version = '8';
