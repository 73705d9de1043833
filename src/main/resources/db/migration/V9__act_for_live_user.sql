-- A token outlives the account it was issued for: rxsync_act_for declares the caller for
-- row-level security (as set_config('rxsync.user_id', …, true) did) only when that user
-- still exists and is not deleted, and answers whether it did. The service calls it as
-- the first statement of every pull and push and when a stream opens, so a deleted
-- account's token gets 401 without one more statement per request.
--
-- SECURITY DEFINER: the runtime role may not read other users' rows before it has declared
-- whom it acts for; the function runs as the schema owner, which row-level security does
-- not restrict. It can only set the one setting the runtime role may set anyway, and only
-- to a live user's id, so it grants nothing new. search_path is pinned, as for every
-- SECURITY DEFINER function.
CREATE FUNCTION rxsync_act_for(caller text) RETURNS boolean
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

REVOKE ALL ON FUNCTION rxsync_act_for(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rxsync_act_for(text) TO "${app_role}";
