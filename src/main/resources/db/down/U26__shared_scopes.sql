-- Reverts V26__shared_scopes.sql: the declaration as V20 made it (the owner kind only).
-- Collections of the other kinds are a team's (or the test fixture's) and go with their own
-- down scripts first.
DROP FUNCTION public.rxsync_install_members(text, regclass, name, name, jsonb);
DROP FUNCTION public.rxsync_membership_bounds();
DROP FUNCTION public.rxsync_cascade_tombstone();
DROP FUNCTION public.rxsync_found_group();
DROP FUNCTION public.rxsync_log_move();
DROP TABLE public.rxsync_moves;

CREATE OR REPLACE FUNCTION public.rxsync_declare_collection(
    collection        text,
    table_name        regclass,
    scope             jsonb,
    schema_version    integer DEFAULT 0,
    server_only       name[]  DEFAULT '{}',
    read_only         name[]  DEFAULT '{}',
    client_may_create boolean DEFAULT true,
    client_may_delete boolean DEFAULT true,
    tombstones        boolean DEFAULT true,
    description       text    DEFAULT NULL)
RETURNS void
-- client_min_messages: the IF NOT EXISTS of a repeated declaration are not news
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET client_min_messages = warning AS $$
#variable_conflict use_variable
DECLARE
    rel         name;
    key_columns name[];
    kind        text := scope->>'kind';
    owner       name;
    declared    public.rxsync_collections%ROWTYPE;
    caller_id   text;
    owner_is_uuid boolean;
    col         name;
BEGIN
    SELECT c.relname INTO rel FROM pg_class c WHERE c.oid = table_name AND c.relkind IN ('r', 'p');
    IF rel IS NULL THEN
        RAISE EXCEPTION 'collection %: % is not a table', collection, table_name;
    END IF;
    IF collection IS NULL OR collection !~ '^[a-z][a-z0-9_-]{0,99}$' THEN
        RAISE EXCEPTION 'collection name % must be 1 to 100 lower-case letters, digits, _ or -, starting with a letter (it is a URL segment)',
            coalesce(quote_literal(collection), 'NULL');
    END IF;
    IF schema_version IS NULL OR schema_version < 0 THEN
        RAISE EXCEPTION 'collection %: schema_version must be 0 or more, not %', collection, schema_version;
    END IF;

    SELECT array_agg(a.attname ORDER BY a.attnum) INTO key_columns
      FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
     WHERE i.indrelid = table_name AND i.indisprimary;
    IF key_columns IS NULL THEN
        RAISE EXCEPTION 'collection %: table % has no primary key; add one column (uuid or varchar(n)) as its PRIMARY KEY',
            collection, table_name;
    END IF;
    IF cardinality(key_columns) > 1 THEN
        RAISE EXCEPTION 'collection %: the primary key of % has several columns (%); a collection needs a one-column key',
            collection, table_name, array_to_string(key_columns, ', ');
    END IF;

    -- the scope: one branch per kind, here and in the server (replication/Scope)
    IF scope IS NULL OR jsonb_typeof(scope) <> 'object' THEN
        RAISE EXCEPTION 'collection %: scope must be a JSON object such as {"kind": "owner", "column": "user_id"}', collection;
    END IF;
    IF kind IS DISTINCT FROM 'owner' THEN
        RAISE EXCEPTION 'collection %: scope kind % is not supported; supported: "owner" ({"kind": "owner", "column": "<column holding the user id>"})',
            collection, coalesce(scope->'kind', 'null');
    END IF;
    IF (scope - 'kind' - 'column') <> '{}' THEN
        RAISE EXCEPTION 'collection %: an owner scope has only "kind" and "column", not %', collection, scope - 'kind' - 'column';
    END IF;
    owner := scope->>'column';
    IF owner IS NULL OR NOT public.rxsync_has_column(table_name, owner) THEN
        RAISE EXCEPTION 'collection %: scope column % is not a column of %', collection, coalesce(owner, 'null'), table_name;
    END IF;

    owner_is_uuid := (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = table_name AND a.attname = owner)
                     = 'uuid'::regtype;

    FOREACH col IN ARRAY server_only || read_only LOOP
        IF NOT public.rxsync_has_column(table_name, col) THEN
            RAISE EXCEPTION 'collection %: % is not a column of %', collection, col, table_name;
        END IF;
        IF col = key_columns[1] OR col = owner THEN
            RAISE EXCEPTION 'collection %: % is the primary key or the scope column; clients need it, it cannot be server-only or read-only',
                collection, col;
        END IF;
    END LOOP;
    IF server_only && read_only THEN
        RAISE EXCEPTION 'collection %: a column is either server-only or read-only, not both', collection;
    END IF;

    SELECT * INTO declared FROM public.rxsync_collections c WHERE c.name = collection;
    IF FOUND AND declared.table_name <> table_name THEN
        RAISE EXCEPTION 'collection % is declared on table %; a collection keeps its table', collection, declared.table_name;
    END IF;
    IF FOUND AND declared.schema_version > schema_version THEN
        RAISE EXCEPTION 'collection % is at schema version %; a new declaration may keep or raise it, not lower it to %',
            collection, declared.schema_version, schema_version;
    END IF;
    IF EXISTS (SELECT FROM public.rxsync_collections c WHERE c.table_name = table_name AND c.name <> collection) THEN
        RAISE EXCEPTION 'collection %: table % is already the collection %', collection, table_name,
            (SELECT c.name FROM public.rxsync_collections c WHERE c.table_name = table_name);
    END IF;

    -- replication's own columns: the tombstone flag, the commit stamp, the change times
    EXECUTE format('ALTER TABLE %s ADD COLUMN IF NOT EXISTS deleted boolean NOT NULL DEFAULT false, '
                   'ADD COLUMN IF NOT EXISTS change_xid xid8 NOT NULL DEFAULT pg_current_xact_id(), '
                   'ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now(), '
                   'ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now()', table_name);
    EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION public.rxsync_stamp_change()',
                   rel || '_stamp_change', table_name);
    IF tombstones THEN
        EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE DELETE ON %s FOR EACH ROW EXECUTE FUNCTION public.rxsync_delete_to_tombstone(%L)',
                       rel || '_delete_to_tombstone', table_name, key_columns[1]);
    ELSE
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', rel || '_delete_to_tombstone', table_name);
    END IF;

    -- Change pump: the next window of all users' changes, (change_xid, key) > cursor.
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (change_xid, %I)', rel || '_change_idx', table_name, key_columns[1]);
    IF owner <> key_columns[1] THEN
        -- Pull: WHERE owner = caller AND (change_xid, key) > checkpoint ORDER BY change_xid, key.
        -- Its leading column also serves a foreign key on the owner.
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (%I, change_xid, %I)',
                       rel || '_pull_idx', table_name, owner, key_columns[1]);
        -- Statistics on the expression the policy compares (see V7): without them the planner
        -- guesses 1 % of a user's rows and sorts them all instead of walking the pull index.
        -- (A text owner is compared as it is: its plain column statistics serve.)
        IF owner_is_uuid AND NOT EXISTS (SELECT FROM pg_statistic_ext s WHERE s.stxname = rel || '_owner_text') THEN
            EXECUTE format('CREATE STATISTICS %I ON ((%I)::text) FROM %s', rel || '_owner_text', owner, table_name);
            EXECUTE format('ANALYZE %s', table_name);
        END IF;
    END IF;

    -- Row-level security: the runtime role sees the caller's rows; the change pump reads all.
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %I', table_name, '${app_role}');
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', table_name);
    EXECUTE format('DROP POLICY IF EXISTS %I ON %s', rel || '_owner', table_name);
    -- a uuid owner is the caller's account; a text owner their subject at the identity
    -- provider (V25: rxsync_act_for sets both; for a built-in account they are the same)
    caller_id := CASE WHEN owner_is_uuid THEN 'rxsync.user_id' ELSE 'rxsync.subject' END;
    EXECUTE format('CREATE POLICY %I ON %s USING ((%I)::text = current_setting(%L, true)) '
                   'WITH CHECK ((%I)::text = current_setting(%L, true))',
                   rel || '_owner', table_name, owner, caller_id, owner, caller_id);
    EXECUTE format('DROP POLICY IF EXISTS %I ON %s', rel || '_change_pump', table_name);
    EXECUTE format('CREATE POLICY %I ON %s FOR SELECT USING (current_setting(''rxsync.scope'', true) = ''all-users'')',
                   rel || '_change_pump', table_name);

    INSERT INTO public.rxsync_collections AS c (name, table_name, owner_column, scope, schema_version, server_only, read_only,
                                         client_may_create, client_may_delete, tombstones, description)
    VALUES (collection, table_name, owner, jsonb_build_object('kind', kind, 'column', owner), schema_version,
            server_only, read_only, client_may_create, client_may_delete, tombstones, description)
    ON CONFLICT (name) DO UPDATE SET
        updated_at = now(), owner_column = EXCLUDED.owner_column, scope = EXCLUDED.scope, schema_version = EXCLUDED.schema_version,
        server_only = EXCLUDED.server_only, read_only = EXCLUDED.read_only,
        client_may_create = EXCLUDED.client_may_create, client_may_delete = EXCLUDED.client_may_delete,
        tombstones = EXCLUDED.tombstones, description = EXCLUDED.description;
END;
$$;


DELETE FROM flyway_schema_history WHERE version = '26';
