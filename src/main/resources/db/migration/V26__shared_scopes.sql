-- Shared data (issue 14, SCOPES.md): the members, parent and everyone scopes join the owner
-- scope in the one declaration (V20). The design is d1 of BENCHMARKS.md, "Shared data": a
-- row's stamp for a user is computed at read time, greatest(row.change_xid, the stamp of the
-- user's membership), so nothing is written per member or per grant. What this migration
-- installs per collection is the SQL of src/bench/scopes/effective_stamp.sql, generated for
-- the real table:
--
--   {"kind": "everyone"}
--       every signed-in user reads; nobody writes (no write grant, no write policy).
--   {"kind": "members", "column": "list_id", "memberships": "list_members",
--    "group_column": "list_id", "user_column": "user_id",
--    "role_column": "role", "read_only_roles": ["viewer"]}          (the last two optional)
--       a row belongs to the group in `column`; the membership table maps users to groups,
--       one row per (group, user) whose stamp only grows: a revoke is deleted = true on that
--       row, a re-grant deleted = false. When `column` is the table's primary key the row is
--       its own group (a list), and whoever creates it becomes its first member.
--   {"kind": "parent", "column": "list_id", "parent": "lists"}
--       visible to whoever sees the parent row its foreign key names; the parent is a
--       members collection whose group is its own row, so the child's foreign key is the
--       group key. A parent's tombstone tombstones its children.
--
-- The catalog keeps the declaration resolved (the parent's membership table, the generated
-- functions' names), so that the server compiles each collection from its own entry.

-- The move log: after a row leaves a group, that group's members can no longer find it by
-- its group column; this remembers it. Only SECURITY DEFINER functions read it (it names
-- rows of every group).
CREATE TABLE public.rxsync_moves (
    id         uuid         PRIMARY KEY DEFAULT gen_random_uuid(),
    collection varchar(100) NOT NULL,
    -- COLLATE "C": moves are walked in (change_xid, row_id) order, the byte order of the pull's keyset
    row_id     varchar(512) COLLATE "C" NOT NULL,
    from_group varchar(512) NOT NULL,
    change_xid xid8         NOT NULL DEFAULT pg_current_xact_id(),
    created_at timestamptz  NOT NULL DEFAULT now(),
    updated_at timestamptz  NOT NULL DEFAULT now()
);
-- the moves out of one of a user's groups since a checkpoint (pull, pump)
CREATE INDEX rxsync_moves_from_group_idx ON public.rxsync_moves (collection, from_group, change_xid, row_id);
-- a row's later moves (one leaving stamp per user and row)
CREATE INDEX rxsync_moves_row_idx ON public.rxsync_moves (collection, row_id, change_xid);
REVOKE ALL ON public.rxsync_moves FROM PUBLIC;

-- AFTER UPDATE of a row whose group changed. Arguments: collection, group column, key column.
-- SECURITY DEFINER: whoever moves the row, the log is written (the runtime role cannot).
CREATE FUNCTION public.rxsync_log_move() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    old_row jsonb := to_jsonb(OLD);
BEGIN
    INSERT INTO public.rxsync_moves (collection, row_id, from_group)
    VALUES (TG_ARGV[0], old_row ->> TG_ARGV[2], old_row ->> TG_ARGV[1]);
    RETURN NULL;
END;
$$;

-- AFTER INSERT of a row that is its own group (a list): its creator, the caller the
-- transaction acts for, becomes its first member (the membership's other columns take their
-- defaults). Without a declared caller (SQL by the owner) nobody does. Arguments: membership
-- table, its group column, its user column, the caller setting, the row's key column, the
-- user column's type. SECURITY DEFINER: nobody may insert memberships of a group they are
-- not in, and the creator is not in it yet.
CREATE FUNCTION public.rxsync_found_group() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    founder text := nullif(current_setting(TG_ARGV[3], true), '');
BEGIN
    IF founder IS NOT NULL THEN
        EXECUTE format('INSERT INTO %s (%I, %I) VALUES (($1).%I, $2::%s) ON CONFLICT DO NOTHING',
                       TG_ARGV[0], TG_ARGV[1], TG_ARGV[2], TG_ARGV[4], TG_ARGV[5])
            USING NEW, founder;
    END IF;
    RETURN NULL;
END;
$$;

-- AFTER UPDATE of a parent that became a tombstone: its children become tombstones too, so
-- that they leave every view. Arguments: child table, its foreign key column, the parent's
-- key column. SECURITY DEFINER: every child, whoever deletes the parent.
CREATE FUNCTION public.rxsync_cascade_tombstone() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('UPDATE %s SET deleted = true WHERE %I = ($1).%I AND NOT deleted', TG_ARGV[0], TG_ARGV[1], TG_ARGV[2])
        USING NEW;
    RETURN NULL;
END;
$$;

-- The bounds of BENCHMARKS.md ("Bounds"): a user is an active member of at most 100 groups
-- of one membership table, a group has at most 1,000 active members. Beyond them a grant is
-- refused (SQLSTATE 23514 with this constraint name: the push answers 400 naming it) rather
-- than letting pulls (groups per user) or the change pump (members per group) degrade.
-- The advisory locks serialize grants of one user and of one group, so that two concurrent
-- grants cannot both pass a count of 99. Arguments: group column, user column.
CREATE FUNCTION public.rxsync_membership_bounds() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    new_row  jsonb := to_jsonb(NEW);
    grp      text  := new_row ->> TG_ARGV[0];
    usr      text  := new_row ->> TG_ARGV[1];
    counted  bigint;
BEGIN
    IF NEW.deleted OR (TG_OP = 'UPDATE' AND NOT OLD.deleted
                       AND to_jsonb(OLD) ->> TG_ARGV[0] = grp AND to_jsonb(OLD) ->> TG_ARGV[1] = usr) THEN
        RETURN NEW; -- not a new active membership
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext(TG_TABLE_NAME || ':user'), hashtext(usr));
    PERFORM pg_advisory_xact_lock(hashtext(TG_TABLE_NAME || ':group'), hashtext(grp));
    EXECUTE format('SELECT count(*) FROM %I.%I WHERE %I::text = $1 AND NOT deleted AND %I::text <> $2',
                   TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[1], TG_ARGV[0])
        INTO counted USING usr, grp;
    IF counted >= 100 THEN
        RAISE EXCEPTION 'a user may be a member of at most 100 groups of %: this grant would be the 101st', TG_TABLE_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_groups_per_user_bound';
    END IF;
    EXECUTE format('SELECT count(*) FROM %I.%I WHERE %I::text = $1 AND NOT deleted AND %I::text <> $2',
                   TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[1])
        INTO counted USING grp, usr;
    IF counted >= 1000 THEN
        RAISE EXCEPTION 'a group of % may have at most 1000 members: this grant would be the 1001st', TG_TABLE_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_members_per_group_bound';
    END IF;
    RETURN NEW;
END;
$$;

-- Installs the members scope on a table (the members kind, and the parent kind through its
-- parent's scope). Called by rxsync_declare_collection only; returns the resolved scope.
CREATE FUNCTION public.rxsync_install_members(collection text, tbl regclass, key_column name, grp name, declared jsonb)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET client_min_messages = warning AS $$
#variable_conflict use_variable
DECLARE
    rel          name := (SELECT c.relname FROM pg_class c WHERE c.oid = tbl);
    memberships  regclass;
    m_rel        name;
    m_group      name := declared->>'group_column';
    m_user       name := declared->>'user_column';
    m_role       name := declared->>'role_column';
    m_key        name;
    read_only    text[];
    group_type   text;
    user_type    text;
    setting      text;
    groups_fn    text;
    leaving_fn   text;
    self_grouped boolean := grp = key_column;
    key_type     text;
    key_lowest   text;
    in_group     text;
    writable     text;
    other        jsonb;
BEGIN
    IF declared->>'memberships' IS NULL THEN
        RAISE EXCEPTION 'collection %: a members scope names its membership table ("memberships")', collection;
    END IF;
    BEGIN
        -- an unqualified name is in the declared table's schema (this function's search_path is pinned)
        memberships := CASE WHEN (declared->>'memberships') LIKE '%.%' THEN (declared->>'memberships')::regclass
                            ELSE format('%I.%I', (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                                   WHERE c.oid = tbl), declared->>'memberships')::regclass END;
    EXCEPTION WHEN undefined_table OR invalid_name THEN
        RAISE EXCEPTION 'collection %: memberships % is not a table', collection, coalesce(declared->>'memberships', 'null');
    END;
    m_rel := (SELECT c.relname FROM pg_class c WHERE c.oid = memberships);
    IF memberships <> tbl AND NOT EXISTS (SELECT FROM public.rxsync_collections c WHERE c.table_name = memberships) THEN
        RAISE EXCEPTION 'collection %: the membership table % must be declared as a collection first (its rows are stamped and replicated like any other)',
            collection, memberships;
    END IF;
    IF declared ? 'read_only_roles' AND jsonb_typeof(declared->'read_only_roles') <> 'array' THEN
        RAISE EXCEPTION 'collection %: read_only_roles must be a JSON array of role names', collection;
    END IF;
    read_only := coalesce((SELECT array_agg(r ORDER BY r) FROM jsonb_array_elements_text(declared->'read_only_roles') r), '{}');
    IF m_role IS NULL AND cardinality(read_only) > 0 THEN
        RAISE EXCEPTION 'collection %: read_only_roles need a role_column', collection;
    END IF;
    FOREACH m_key IN ARRAY ARRAY[m_group, m_user] || CASE WHEN m_role IS NULL THEN '{}'::name[] ELSE ARRAY[m_role] END LOOP
        IF m_key IS NULL OR NOT public.rxsync_has_column(memberships, m_key) THEN
            RAISE EXCEPTION 'collection %: % is not a column of the membership table % (a members scope names its group_column and user_column)',
                collection, coalesce(m_key, 'null'), memberships;
        END IF;
    END LOOP;
    IF NOT public.rxsync_has_column(memberships, 'deleted') OR NOT public.rxsync_has_column(memberships, 'change_xid') THEN
        RAISE EXCEPTION 'collection %: the membership table % has no deleted and change_xid columns: declare it as a collection', collection, memberships;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_index i
                    WHERE i.indrelid = memberships AND i.indisunique AND i.indpred IS NULL AND i.indnatts = 2
                      AND (SELECT array_agg(a.attname ORDER BY a.attname) FROM pg_attribute a
                            WHERE a.attrelid = memberships AND a.attnum = ANY (i.indkey)) = (SELECT array_agg(x ORDER BY x) FROM unnest(ARRAY[m_group, m_user]) x)) THEN
        RAISE EXCEPTION 'collection %: the membership table % needs UNIQUE (%, %): one row per pair, revoked by deleted = true, so that its stamp only grows',
            collection, memberships, m_group, m_user;
    END IF;
    group_type := (SELECT format_type(a.atttypid, NULL) FROM pg_attribute a WHERE a.attrelid = memberships AND a.attname = m_group);
    IF group_type IS DISTINCT FROM (SELECT format_type(a.atttypid, NULL) FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = grp) THEN
        RAISE EXCEPTION 'collection %: scope column % and the membership group column % must have the same type', collection, grp, m_group;
    END IF;
    user_type := (SELECT format_type(a.atttypid, NULL) FROM pg_attribute a WHERE a.attrelid = memberships AND a.attname = m_user);
    IF user_type NOT IN ('uuid', 'text', 'character varying') THEN
        RAISE EXCEPTION 'collection %: user column % of % has type %: it holds the account id (uuid) or the subject (text)',
            collection, m_user, memberships, user_type;
    END IF;
    IF user_type = 'character varying' THEN
        user_type := 'text';
    END IF;
    -- a uuid user column holds the caller's account, a text one their subject (V25)
    setting := CASE WHEN user_type = 'uuid' THEN 'rxsync.user_id' ELSE 'rxsync.subject' END;
    key_type := (SELECT format_type(a.atttypid, NULL) FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = key_column);
    key_type := CASE WHEN key_type = 'uuid' THEN 'uuid' ELSE 'text COLLATE "C"' END;
    key_lowest := CASE WHEN key_type = 'uuid' THEN '00000000-0000-0000-0000-000000000000' ELSE '' END;
    IF self_grouped AND NOT EXISTS (
            SELECT FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
             WHERE i.indrelid = memberships AND i.indisprimary AND (a.atthasdef OR a.attname IN (m_group, m_user))) THEN
        RAISE EXCEPTION 'collection %: a row of % is its own group, and its creator becomes a member: give the primary key of % a default (e.g. gen_random_uuid())',
            collection, tbl, memberships;
    END IF;
    -- one membership table, one rule of who may write: every collection using it agrees
    SELECT c.scope INTO other FROM public.rxsync_collections c
     WHERE c.scope->>'memberships' = memberships::text AND c.name <> collection
       AND (c.scope->'read_only_roles' IS DISTINCT FROM to_jsonb(read_only) OR c.scope->>'role_column' IS DISTINCT FROM m_role
            OR c.scope->>'user_column' <> m_user OR c.scope->>'group_column' <> m_group)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'collection %: another collection uses the membership table % with other columns or roles (%); they must agree',
            collection, memberships, other;
    END IF;

    -- A row's creation stamp: the rows a revoked member must drop are those that existed
    -- when the revoke committed (a row created later is none of their business, not even its id).
    EXECUTE format('ALTER TABLE %s ADD COLUMN IF NOT EXISTS created_xid xid8 NOT NULL DEFAULT pg_current_xact_id()', tbl);

    IF NOT self_grouped THEN
        -- Pull, changed branch: a group's rows after a stamp. Also the foreign key's index.
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (%I, change_xid, %I)', rel || '_pull_idx', tbl, grp, key_column);
        -- Pull, moved-in branch, and the revoked rows: a group's rows in key order, their
        -- stamps included so that the walk reads the index only.
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (%I, %I) INCLUDE (change_xid, created_xid)',
                       rel || '_group_key_idx', tbl, grp, key_column);
        -- not UPDATE OF: a group set by a BEFORE trigger is not an update "of" the column
        EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER UPDATE ON %s FOR EACH ROW WHEN (OLD.%I IS DISTINCT FROM NEW.%I) '
                       'EXECUTE FUNCTION public.rxsync_log_move(%L, %L, %L)',
                       rel || '_log_move', tbl, grp, grp, collection, grp, key_column);
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', rel || '_found_group', tbl);
    ELSE
        EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER INSERT ON %s FOR EACH ROW '
                       'EXECUTE FUNCTION public.rxsync_found_group(%L, %L, %L, %L, %L, %L)',
                       rel || '_found_group', tbl, memberships::text, m_group, m_user, setting, key_column, user_type);
    END IF;
    -- the membership table: a user's groups, and the bounds
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (%I, %I)', m_rel || '_user_groups_idx', memberships, m_user, m_group);
    EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE INSERT OR UPDATE ON %s FOR EACH ROW '
                   'EXECUTE FUNCTION public.rxsync_membership_bounds(%L, %L)', m_rel || '_bounds', memberships, m_group, m_user);

    -- The caller's groups (writable: without the read-only roles), for the policies and the
    -- push. SECURITY DEFINER: the membership table's own policy uses it without recursing.
    -- The policies call it as a scalar subquery, (SELECT f(...)), which PostgreSQL runs once
    -- per statement; called bare it ran once per row (62 s for one page in the benchmark).
    groups_fn := 'rxsync_groups_' || m_rel;
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION public.%I(writable boolean) RETURNS %s[]
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $b$
            SELECT coalesce(array_agg(m.%I), '{}')
              FROM %s m
             WHERE m.%I = nullif(current_setting(%L, true), '')::%s AND NOT m.deleted
               AND (NOT writable OR %s)
        $b$ $f$, groups_fn, group_type, m_group, memberships, m_user, setting, user_type,
        CASE WHEN m_role IS NULL THEN 'true' ELSE format('NOT coalesce(m.%I::text = ANY (%L::text[]), false)', m_role, read_only) END);
    EXECUTE format('REVOKE ALL ON FUNCTION public.%I(boolean) FROM PUBLIC', groups_fn);
    EXECUTE format('GRANT EXECUTE ON FUNCTION public.%I(boolean) TO %I', groups_fn, '${app_role}');

    -- The rows that left the view of each user in subs (their user column as text), after
    -- (lo, lo_id) and below hi, at most k per source, in (stamp, key) order within each:
    --   revoked: the rows of a group the user was revoked from that existed then, at the
    --            revoke's stamp;
    --   moved:   the rows moved out of a group of the user's (past or present), at the move's.
    -- One leaving stamp per user and row, the latest event (a tie goes to the revoke), never
    -- for a row the user still sees. SECURITY DEFINER: row-level security hides exactly these
    -- rows; it hands out only their keys, and only for the declared caller or the change pump.
    -- PL/pgSQL: its plan is kept per connection (a SQL one was planned on every call).
    leaving_fn := 'rxsync_leaving_' || collection;
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION public.%1$I(subs text[], lo xid8, lo_id text, hi xid8, k int)
        RETURNS TABLE (user_key text, id text, stamp xid8)
        -- ROWS: few rows leave a view at a time; the default estimate (1,000) made the planner
        -- join the window's rows to the whole table by a hash instead of by primary key
        LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 10 SET search_path = pg_catalog, pg_temp AS $b$
        #variable_conflict use_column
        BEGIN
            IF NOT (current_setting('rxsync.scope', true) = 'all-users'
                    OR (cardinality(subs) = 1 AND subs[1] = current_setting(%12$L, true))) THEN
                RETURN;
            END IF;
            RETURN QUERY
            SELECT m.%4$I::text, r.id::text, m.change_xid
              FROM %3$s m
              CROSS JOIN LATERAL (
                  SELECT r.%6$I AS id FROM %2$s r
                   WHERE r.%7$I = m.%5$I AND r.created_xid < m.change_xid
                     AND r.%6$I > CASE WHEN m.change_xid = lo THEN lo_id ELSE %9$L END::%8$s
                     AND NOT EXISTS (SELECT FROM public.rxsync_moves mv
                                       JOIN %3$s m2 ON m2.%5$I::text = mv.from_group AND m2.%4$I = m.%4$I
                                      WHERE mv.collection = %10$L AND mv.row_id = r.%6$I::text
                                        AND mv.change_xid > m.change_xid AND mv.change_xid < hi)
                   ORDER BY r.%6$I LIMIT k) r
             WHERE m.%4$I = ANY (subs::%11$s[]) AND m.deleted AND m.change_xid >= lo AND m.change_xid < hi
            UNION ALL
            SELECT mv.user_key, mv.row_id, mv.change_xid
              FROM (SELECT m.%4$I::text AS user_key, mv.row_id, mv.change_xid
                      FROM %3$s m
                      JOIN public.rxsync_moves mv ON mv.collection = %10$L AND mv.from_group = m.%5$I::text
                     WHERE m.%4$I = ANY (subs::%11$s[])
                       AND (mv.change_xid, mv.row_id) > (lo, lo_id) AND mv.change_xid < hi
                       AND NOT EXISTS (SELECT FROM public.rxsync_moves later
                                         JOIN %3$s m2 ON m2.%5$I::text = later.from_group AND m2.%4$I = m.%4$I
                                        WHERE later.collection = %10$L AND later.row_id = mv.row_id
                                          AND (later.change_xid, later.id) > (mv.change_xid, mv.id) AND later.change_xid < hi)
                       AND NOT EXISTS (SELECT FROM %2$s r
                                         JOIN %3$s m3 ON m3.%5$I = r.%7$I AND m3.%4$I = m.%4$I
                                        WHERE r.%6$I::text = mv.row_id
                                          AND (NOT m3.deleted
                                               OR (m3.change_xid >= mv.change_xid AND r.created_xid < m3.change_xid))
                                          AND m3.change_xid < hi)
                     ORDER BY mv.change_xid, mv.row_id
                     LIMIT k) mv;
        END;
        $b$ $f$, leaving_fn, tbl, memberships, m_user, m_group, key_column, grp, key_type, key_lowest, collection,
        user_type, setting);
    EXECUTE format('REVOKE ALL ON FUNCTION public.%I(text[], xid8, text, xid8, integer) FROM PUBLIC', leaving_fn);
    EXECUTE format('GRANT EXECUTE ON FUNCTION public.%I(text[], xid8, text, xid8, integer) TO %I', leaving_fn, '${app_role}');

    -- Row-level security from the membership table: the same view the server computes, so
    -- that a bug in its SQL still cannot leak. Members read; writers (not a read-only role)
    -- write, before and after (WITH CHECK). A row that is its own group may be created by
    -- any caller (it founds a new group; the key is new or the insert does nothing), and its
    -- creating transaction may read it back before the founding membership is visible.
    in_group := format('%I = ANY ((SELECT public.%I(false))::%s[])', grp, groups_fn, group_type);
    writable := format('%I = ANY ((SELECT public.%I(true))::%s[])', grp, groups_fn, group_type);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %I', tbl, '${app_role}');
    EXECUTE format('CREATE POLICY %I ON %s FOR SELECT USING (%s)', rel || '_members_read', tbl,
                   in_group || CASE WHEN self_grouped THEN ' OR created_xid = pg_current_xact_id_if_assigned()' ELSE '' END);
    EXECUTE format('CREATE POLICY %I ON %s FOR INSERT WITH CHECK (%s)', rel || '_members_insert', tbl,
                   writable || CASE WHEN self_grouped
                                    THEN format(' OR (current_setting(%L, true) <> %L AND created_xid = pg_current_xact_id_if_assigned())', setting, '')
                                    ELSE '' END);
    EXECUTE format('CREATE POLICY %I ON %s FOR UPDATE USING (%s) WITH CHECK (%s)', rel || '_members_update', tbl, writable, writable);
    EXECUTE format('CREATE POLICY %I ON %s FOR DELETE USING (%s)', rel || '_members_delete', tbl, writable);

    RETURN jsonb_build_object('kind', 'members', 'column', grp, 'memberships', memberships::text,
                              'group_column', m_group, 'user_column', m_user, 'role_column', m_role,
                              'read_only_roles', to_jsonb(read_only), 'user_type', user_type,
                              'groups_function', groups_fn, 'leaving_function', leaving_fn,
                              'self_grouped', self_grouped);
END;
$$;
REVOKE ALL ON FUNCTION public.rxsync_install_members(text, regclass, name, name, jsonb) FROM PUBLIC;

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
    parent      public.rxsync_collections%ROWTYPE;
    caller_id   text;
    owner_is_uuid boolean;
    col         name;
    resolved    jsonb;
    allowed     text[];
    policy      name;
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
    allowed := CASE kind
        WHEN 'owner' THEN ARRAY['kind', 'column']
        WHEN 'everyone' THEN ARRAY['kind']
        WHEN 'members' THEN ARRAY['kind', 'column', 'memberships', 'group_column', 'user_column', 'role_column', 'read_only_roles']
        WHEN 'parent' THEN ARRAY['kind', 'column', 'parent'] END;
    IF allowed IS NULL THEN
        RAISE EXCEPTION 'collection %: scope kind % is not supported; supported: "owner" ({"kind": "owner", "column": "<column holding the user id>"}), '
                        '"members" ({"kind": "members", "column": "<group column>", "memberships": "<table>", "group_column": "…", "user_column": "…"}), '
                        '"parent" ({"kind": "parent", "column": "<foreign key column>", "parent": "<collection>"}), "everyone" ({"kind": "everyone"})',
            collection, coalesce(scope->'kind', 'null');
    END IF;
    IF (scope - allowed) <> '{}' THEN
        RAISE EXCEPTION 'collection %: the % scope has only %, not %', collection, kind, array_to_string(allowed, ', '), scope - allowed;
    END IF;
    owner := CASE WHEN kind = 'everyone' THEN key_columns[1] ELSE scope->>'column' END;
    IF owner IS NULL OR NOT public.rxsync_has_column(table_name, owner) THEN
        RAISE EXCEPTION 'collection %: scope column % is not a column of %', collection, coalesce(owner, 'null'), table_name;
    END IF;
    IF kind = 'parent' THEN
        SELECT * INTO parent FROM public.rxsync_collections c WHERE c.name = scope->>'parent';
        IF NOT FOUND THEN
            RAISE EXCEPTION 'collection %: parent % is not a declared collection (declare the parent first)',
                collection, coalesce(scope->>'parent', 'null');
        END IF;
        IF parent.scope->>'kind' <> 'members' OR NOT (parent.scope->>'self_grouped')::boolean THEN
            RAISE EXCEPTION 'collection %: parent % must be a members collection whose rows are their own group (scope column = its primary key); its scope is %',
                collection, parent.name, parent.scope;
        END IF;
        IF NOT EXISTS (SELECT FROM pg_constraint con
                        WHERE con.conrelid = table_name AND con.contype = 'f' AND con.confrelid = parent.table_name
                          AND con.conkey = ARRAY[(SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = table_name AND a.attname = owner)]) THEN
            RAISE EXCEPTION 'collection %: scope column % must be a foreign key to the parent table %', collection, owner, parent.table_name;
        END IF;
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
    -- (Also the everyone scope's pull: the same order without a caller condition.)
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (change_xid, %I)', rel || '_change_idx', table_name, key_columns[1]);

    -- Row-level security: the policies of the declared kind only (a new declaration may
    -- change the kind); the change pump reads all.
    FOR policy IN SELECT p.polname FROM pg_policy p
                   WHERE p.polrelid = table_name
                     AND p.polname IN (rel || '_owner', rel || '_everyone', rel || '_members_read', rel || '_members_insert',
                                       rel || '_members_update', rel || '_members_delete') LOOP
        EXECUTE format('DROP POLICY %I ON %s', policy, table_name);
    END LOOP;
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', table_name);
    EXECUTE format('DROP POLICY IF EXISTS %I ON %s', rel || '_change_pump', table_name);
    EXECUTE format('CREATE POLICY %I ON %s FOR SELECT USING (current_setting(''rxsync.scope'', true) = ''all-users'')',
                   rel || '_change_pump', table_name);

    IF kind = 'owner' THEN
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
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %I', table_name, '${app_role}');
        -- a uuid owner is the caller's account; a text owner their subject at the identity
        -- provider (V25: rxsync_act_for sets both; for a built-in account they are the same)
        caller_id := CASE WHEN owner_is_uuid THEN 'rxsync.user_id' ELSE 'rxsync.subject' END;
        EXECUTE format('CREATE POLICY %I ON %s USING ((%I)::text = current_setting(%L, true)) '
                       'WITH CHECK ((%I)::text = current_setting(%L, true))',
                       rel || '_owner', table_name, owner, caller_id, owner, caller_id);
        resolved := jsonb_build_object('kind', kind, 'column', owner);
    ELSIF kind = 'everyone' THEN
        -- reference data: any declared caller reads, nobody writes (no write grant either)
        EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON %s FROM %I', table_name, '${app_role}');
        EXECUTE format('GRANT SELECT ON %s TO %I', table_name, '${app_role}');
        EXECUTE format('CREATE POLICY %I ON %s FOR SELECT USING (current_setting(''rxsync.user_id'', true) <> '''')',
                       rel || '_everyone', table_name);
        resolved := jsonb_build_object('kind', kind);
    ELSIF kind = 'members' THEN
        resolved := public.rxsync_install_members(collection, table_name, key_columns[1], owner, scope);
    ELSE
        -- the child is a row of its parent's group: the foreign key is the group key
        resolved := jsonb_build_object('kind', 'parent', 'column', owner, 'parent', parent.name,
                                       'via', public.rxsync_install_members(collection, table_name, key_columns[1], owner,
                                                                           parent.scope || jsonb_build_object('column', owner)));
        EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER UPDATE ON %s FOR EACH ROW WHEN (NEW.deleted AND NOT OLD.deleted) '
                       'EXECUTE FUNCTION public.rxsync_cascade_tombstone(%L, %L, %L)',
                       (SELECT c.relname FROM pg_class c WHERE c.oid = parent.table_name) || '_cascade_' || rel,
                       parent.table_name, table_name::text, owner, parent.scope->>'column');
    END IF;

    INSERT INTO public.rxsync_collections AS c (name, table_name, owner_column, scope, schema_version, server_only, read_only,
                                         client_may_create, client_may_delete, tombstones, description)
    VALUES (collection, table_name, owner, resolved, schema_version,
            server_only, read_only, client_may_create, client_may_delete, tombstones, description)
    ON CONFLICT (name) DO UPDATE SET
        updated_at = now(), owner_column = EXCLUDED.owner_column, scope = EXCLUDED.scope, schema_version = EXCLUDED.schema_version,
        server_only = EXCLUDED.server_only, read_only = EXCLUDED.read_only,
        client_may_create = EXCLUDED.client_may_create, client_may_delete = EXCLUDED.client_may_delete,
        tombstones = EXCLUDED.tombstones, description = EXCLUDED.description;
END;
$$;
