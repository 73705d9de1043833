-- Reverts V1__users.sql. Every account is lost: take a backup first.
DROP TABLE users;

DELETE FROM flyway_schema_history WHERE version = '1';
