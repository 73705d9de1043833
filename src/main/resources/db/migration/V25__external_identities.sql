-- Users of an external identity provider (OIDC: Keycloak, Auth0, Supabase Auth, …).
--
-- The service verifies their tokens itself (auth/ExternalTokens); the database only links
-- a provider's (issuer, subject) to a row of `users`, created on first sight, so that every
-- table keyed by `users` (orders.user_id uuid REFERENCES users, the users collection, the
-- tombstone horizons) works for them unchanged and nobody creates rows by hand. Tables of a
-- team's own whose owner column holds the provider's subject as text compare it with
-- `rxsync.subject`, which rxsync_act_for now sets beside `rxsync.user_id` (README,
-- External identity providers).

-- No password: such an account cannot log in with the built-in login (the decoy hash
-- answers for it, as for an unknown email).
ALTER TABLE users ALTER COLUMN hashed_password DROP NOT NULL;

CREATE TABLE user_identities (
    id          uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid          NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- the token's `iss`, exactly as configured (rxsync.oidc.issuer)
    issuer      varchar(2048) NOT NULL,
    -- the configured user-id claim (`sub` by default): opaque, e.g. auth0|65f…
    subject     varchar(255)  NOT NULL,
    created_at  timestamptz   NOT NULL DEFAULT now(),
    updated_at  timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT user_identities_issuer_subject_key UNIQUE (issuer, subject),
    -- one identity per account; also the foreign key's index
    CONSTRAINT user_identities_user_key UNIQUE (user_id)
);

-- Only the SECURITY DEFINER functions below read and write it.
ALTER TABLE user_identities ENABLE ROW LEVEL SECURITY;

-- The account linked to (issuer, subject), created on first sight; null when it exists but
-- was deleted (401, like a deleted built-in account). Two first requests of one new user
-- at once: the transaction-scoped advisory lock on (issuer, subject) makes the second wait
-- for the first and then find its row, so exactly one account is created. The email comes
-- from the token's claim when it is free; a provider's email is never used to link to an
-- existing account (that would hand a built-in account to whoever sets that address at
-- their provider), so a taken or missing one gets a reserved `.invalid` address instead.
CREATE FUNCTION rxsync_link_identity(token_issuer text, token_subject text, claimed_email text, claimed_name text)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    linked        uuid;
    gone          boolean;
    new_id        uuid := gen_random_uuid();
    profile_email text := lower(btrim(coalesce(claimed_email, '')));
    profile_name  text := left(coalesce(nullif(btrim(claimed_name), ''), token_subject), 100);
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(token_issuer), hashtext(token_subject));
    SELECT i.user_id, u.deleted INTO linked, gone
      FROM public.user_identities i JOIN public.users u ON u.id = i.user_id
     WHERE i.issuer = token_issuer AND i.subject = token_subject;
    IF FOUND THEN
        RETURN CASE WHEN gone THEN NULL ELSE linked END;
    END IF;
    IF length(profile_email) > 320 OR profile_email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'
       OR EXISTS (SELECT 1 FROM public.users u WHERE u.email = profile_email) THEN
        profile_email := 'user-' || new_id || '@external.invalid';
    END IF;
    BEGIN
        INSERT INTO public.users (id, email, display_name, hashed_password)
        VALUES (new_id, profile_email, profile_name, NULL);
    EXCEPTION WHEN unique_violation THEN
        -- the address was taken between the check and the insert (a registration, another
        -- provider user claiming it)
        INSERT INTO public.users (id, email, display_name, hashed_password)
        VALUES (new_id, 'user-' || new_id || '@external.invalid', profile_name, NULL);
    END;
    INSERT INTO public.user_identities (user_id, issuer, subject)
    VALUES (new_id, token_issuer, token_subject);
    RETURN new_id;
END;
$$;

REVOKE ALL ON FUNCTION rxsync_link_identity(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rxsync_link_identity(text, text, text, text) TO "${app_role}";

-- As in V9, and it also declares the caller's subject at their provider (for a built-in
-- account: its id) as rxsync.subject, for owner columns that hold subjects as text.
-- Still one statement per pull and push.
CREATE OR REPLACE FUNCTION rxsync_act_for(caller text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    caller_subject text;
BEGIN
    SELECT coalesce(i.subject, u.id::text) INTO caller_subject
      FROM public.users u LEFT JOIN public.user_identities i ON i.user_id = u.id
     WHERE u.id = caller::uuid AND NOT u.deleted;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM set_config('rxsync.user_id', caller, true);
    PERFORM set_config('rxsync.subject', caller_subject, true);
    RETURN true;
END;
$$;
