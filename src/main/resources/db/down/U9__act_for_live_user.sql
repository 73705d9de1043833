-- Reverts V9__act_for_live_user.sql.
DROP FUNCTION rxsync_act_for(text);

DELETE FROM flyway_schema_history WHERE version = '9';
