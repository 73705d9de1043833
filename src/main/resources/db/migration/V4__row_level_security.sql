-- Defense in depth: PostgreSQL row-level security on the replicated tables.
--
-- Roles (see README, "Database roles"):
--   the migrating role (owner of the schema; `postgres` locally) runs Flyway and owns the
--   tables, so it is not subject to these policies;
--   ${app_role} is what the service runs as at runtime: not an owner, no BYPASSRLS, so
--   every query it runs sees only the rows the policies allow.
-- The service declares, per transaction, whose data it acts for:
--   rxsync.user_id = the caller's id  -> that user's rows;
--   rxsync.scope   = 'all-users'      -> read every row (only the change pump does this);
--   rxsync.scope   = 'auth'           -> read users by email, create users (login, register).
-- A query run without either setting sees and changes nothing.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${app_role}') THEN
        -- Where the migrating role may create roles (dev, CI) the runtime role is made here;
        -- in production a DBA creates it with a password first.
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS', '${app_role}');
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO "${app_role}";
GRANT SELECT, INSERT, UPDATE, DELETE ON users, orders TO "${app_role}";

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;

CREATE POLICY users_self ON users
    USING (id::text = current_setting('rxsync.user_id', true));
CREATE POLICY users_auth ON users
    USING (current_setting('rxsync.scope', true) = 'auth')
    WITH CHECK (current_setting('rxsync.scope', true) = 'auth');
CREATE POLICY users_change_pump ON users FOR SELECT
    USING (current_setting('rxsync.scope', true) = 'all-users');

CREATE POLICY orders_owner ON orders
    USING (user_id::text = current_setting('rxsync.user_id', true))
    WITH CHECK (user_id::text = current_setting('rxsync.user_id', true));
CREATE POLICY orders_change_pump ON orders FOR SELECT
    USING (current_setting('rxsync.scope', true) = 'all-users');
