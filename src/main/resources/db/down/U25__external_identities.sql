-- Reverts V25__external_identities.sql. Accounts of external users go with their links
-- (they have no password, which V1 requires).
CREATE OR REPLACE FUNCTION rxsync_act_for(caller text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.users u WHERE u.id = caller::uuid AND NOT u.deleted) THEN
        RETURN false;
    END IF;
    PERFORM set_config('rxsync.user_id', caller, true);
    RETURN true;
END;
$$;

DROP FUNCTION rxsync_link_identity(text, text, text, text);
DELETE FROM users WHERE id IN (SELECT user_id FROM user_identities);
DROP TABLE user_identities;
ALTER TABLE users ALTER COLUMN hashed_password SET NOT NULL;

DELETE FROM flyway_schema_history WHERE version = '25';
