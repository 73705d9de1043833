-- The database roles of rxsync (README, "Database roles"). Run once per PostgreSQL cluster,
-- as a superuser or a role with CREATEROLE; it only creates what is missing:
--
--   psql -v ON_ERROR_STOP=1 -h HOST -U postgres -f docker/database-roles.sql
--       [-v app=rxsync_app] [-v owner=rxsync_owner -v database=rxsync]
--
-- app    the runtime role the service connects as (DB_USER): may log in, owns nothing, no
--        superuser, no BYPASSRLS, so row-level security applies to everything it runs. The
--        migrations grant it exactly what it needs (V4, V8, V9: GRANT … TO ${app_role}).
-- owner  (optional) the role that owns the schema and runs the migrations (DB_OWNER_USER).
--        Without it the migrating role is the one you connect Flyway with (`postgres` in
--        dev and CI). With it, the database is handed to it so that it may create the tables.
-- Passwords are set apart, where the server asks for one: ALTER ROLE rxsync_app PASSWORD '…';
\if :{?app}
\else
\set app rxsync_app
\endif

SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', :'app')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec

\if :{?owner}
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
\if :{?database}
SELECT format('ALTER DATABASE %I OWNER TO %I', :'database', :'owner') \gexec
\endif
\endif

-- What the service relies on: the runtime role is subject to row-level security.
SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :'app';
