-- The tables of one design's schema (run once per design with -v schema=d1 / d2): the same
-- shape in both, so the two designs are measured on the same rows.
--   groups       what members share (a family, a team);
--   memberships  who is in which group; a revoke tombstones the row (deleted = true, stamped),
--                never deletes it before clients have seen it;
--   items        members scope: a row belongs to the group in group_id;
--   notes        parent scope: a note is seen by whoever sees its item. It carries the item's
--                group_id (kept by triggers), so that every scope kind below reads one key;
--   currencies   everyone scope: reference data, read by every signed-in user.
-- Every replicated table is stamped by the service's own trigger (V3 rxsync_stamp_change) and
-- turns SQL deletes into tombstones (V3 rxsync_delete_to_tombstone).
CREATE SCHEMA :"schema";
SET search_path = :"schema", public;

CREATE TABLE groups (
    id         uuid         PRIMARY KEY DEFAULT gen_random_uuid(),
    name       varchar(100) NOT NULL,
    deleted    boolean      NOT NULL DEFAULT false,
    change_xid xid8         NOT NULL DEFAULT pg_current_xact_id(),
    created_at timestamptz  NOT NULL DEFAULT now(),
    updated_at timestamptz  NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    group_id   uuid        NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
    role       varchar(16) NOT NULL DEFAULT 'writer',
    deleted    boolean     NOT NULL DEFAULT false,
    change_xid xid8        NOT NULL DEFAULT pg_current_xact_id(),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- one row per (group, user): a re-grant revives the tombstone, so its stamp only grows
    CONSTRAINT memberships_group_user_key UNIQUE (group_id, user_id),
    CONSTRAINT memberships_role_check CHECK (role IN ('writer', 'reader'))
);
-- a user's groups (pull, row-level security)
CREATE INDEX memberships_user_idx ON memberships (user_id, group_id);
-- membership changes in commit order (the change pump)
CREATE INDEX memberships_change_idx ON memberships (change_xid, id);

CREATE TABLE items (
    id          uuid         PRIMARY KEY,
    group_id    uuid         NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    payload     varchar(200) NOT NULL,
    deleted     boolean      NOT NULL DEFAULT false,
    change_xid  xid8         NOT NULL DEFAULT pg_current_xact_id(),
    created_xid xid8         NOT NULL DEFAULT pg_current_xact_id(),
    created_at  timestamptz  NOT NULL DEFAULT now(),
    updated_at  timestamptz  NOT NULL DEFAULT now()
);
-- a group's rows in commit order (pull of a member, grant fan-out)
CREATE INDEX items_group_change_idx ON items (group_id, change_xid, id);
-- all rows in commit order (the change pump)
CREATE INDEX items_change_idx ON items (change_xid, id);

CREATE TABLE notes (
    id          uuid          PRIMARY KEY,
    item_id     uuid          NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    group_id    uuid          NOT NULL,
    payload     varchar(1000) NOT NULL,
    deleted     boolean       NOT NULL DEFAULT false,
    change_xid  xid8          NOT NULL DEFAULT pg_current_xact_id(),
    created_xid xid8          NOT NULL DEFAULT pg_current_xact_id(),
    created_at  timestamptz   NOT NULL DEFAULT now(),
    updated_at  timestamptz   NOT NULL DEFAULT now()
);
CREATE INDEX notes_item_idx ON notes (item_id);
CREATE INDEX notes_group_change_idx ON notes (group_id, change_xid, id);
CREATE INDEX notes_change_idx ON notes (change_xid, id);

CREATE TABLE currencies (
    id         uuid         PRIMARY KEY,
    payload    varchar(200) NOT NULL,
    deleted    boolean      NOT NULL DEFAULT false,
    change_xid xid8         NOT NULL DEFAULT pg_current_xact_id(),
    created_at timestamptz  NOT NULL DEFAULT now(),
    updated_at timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX currencies_change_idx ON currencies (change_xid, id);

CREATE TRIGGER groups_stamp_change BEFORE INSERT OR UPDATE ON groups
    FOR EACH ROW EXECUTE FUNCTION public.rxsync_stamp_change();
CREATE TRIGGER memberships_stamp_change BEFORE INSERT OR UPDATE ON memberships
    FOR EACH ROW EXECUTE FUNCTION public.rxsync_stamp_change();
CREATE TRIGGER memberships_delete_to_tombstone BEFORE DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION public.rxsync_delete_to_tombstone();
CREATE TRIGGER items_stamp_change BEFORE INSERT OR UPDATE ON items
    FOR EACH ROW EXECUTE FUNCTION public.rxsync_stamp_change();
CREATE TRIGGER items_delete_to_tombstone BEFORE DELETE ON items
    FOR EACH ROW EXECUTE FUNCTION public.rxsync_delete_to_tombstone();
CREATE TRIGGER notes_stamp_change BEFORE INSERT OR UPDATE ON notes
    FOR EACH ROW EXECUTE FUNCTION public.rxsync_stamp_change();
CREATE TRIGGER notes_delete_to_tombstone BEFORE DELETE ON notes
    FOR EACH ROW EXECUTE FUNCTION public.rxsync_delete_to_tombstone();
CREATE TRIGGER currencies_stamp_change BEFORE INSERT OR UPDATE ON currencies
    FOR EACH ROW EXECUTE FUNCTION public.rxsync_stamp_change();

-- Parent scope, by an inherited key: a note takes its item's group when written, and follows
-- it when the item moves or is deleted. The item's row is locked FOR SHARE while the note
-- reads it, so a note written while its item moves waits and then reads the new group
-- (the move's UPDATE holds the item's row; an inherited key can never be stale).
CREATE FUNCTION notes_inherit_scope() RETURNS trigger
LANGUAGE plpgsql SET search_path = :"schema", public AS $$
BEGIN
    SELECT i.group_id INTO STRICT NEW.group_id FROM items i WHERE i.id = NEW.item_id FOR SHARE;
    RETURN NEW;
END;
$$;
CREATE TRIGGER notes_inherit_scope BEFORE INSERT OR UPDATE OF item_id ON notes
    FOR EACH ROW EXECUTE FUNCTION notes_inherit_scope();

CREATE FUNCTION items_cascade_scope() RETURNS trigger
LANGUAGE plpgsql SET search_path = :"schema", public AS $$
BEGIN
    UPDATE notes n SET group_id = NEW.group_id, deleted = n.deleted OR NEW.deleted
     WHERE n.item_id = NEW.id
       AND (n.group_id IS DISTINCT FROM NEW.group_id OR (NEW.deleted AND NOT n.deleted));
    RETURN NULL;
END;
$$;
CREATE TRIGGER items_cascade_scope AFTER UPDATE ON items
    FOR EACH ROW WHEN (OLD.group_id IS DISTINCT FROM NEW.group_id OR (NEW.deleted AND NOT OLD.deleted))
    EXECUTE FUNCTION items_cascade_scope();

-- Row-level security: the view every design must deliver, written from the ground truth
-- (memberships), not from a design's own bookkeeping. my_groups() is SECURITY DEFINER so
-- that the memberships policy may use it without recursing into itself. The policies call
-- it as a scalar subquery, (SELECT my_groups()), which PostgreSQL runs once per statement
-- (an InitPlan); called bare, it ran once per row: 62 s instead of milliseconds for a page
-- of a member of 100 groups (found by this benchmark).
CREATE FUNCTION my_groups() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = :"schema", pg_catalog, pg_temp AS $f$
    SELECT coalesce(array_agg(m.group_id), '{}')
      FROM memberships m
     WHERE m.user_id::text = current_setting('rxsync.user_id', true) AND NOT m.deleted
$f$;

GRANT USAGE ON SCHEMA :"schema" TO :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON groups, memberships, items, notes TO :"app";
GRANT SELECT ON currencies TO :"app";
ALTER TABLE groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE items ENABLE ROW LEVEL SECURITY;
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE currencies ENABLE ROW LEVEL SECURITY;

-- members scope: the rows of the caller's groups; readers may not write (WITH CHECK)
CREATE POLICY groups_member ON groups FOR SELECT USING (id = ANY ((SELECT my_groups())::uuid[]));
CREATE POLICY memberships_member ON memberships FOR SELECT
    USING (user_id::text = current_setting('rxsync.user_id', true) OR group_id = ANY ((SELECT my_groups())::uuid[]));
CREATE POLICY items_member ON items
    USING (group_id = ANY ((SELECT my_groups())::uuid[]))
    WITH CHECK (group_id = ANY ((SELECT my_groups())::uuid[]));
-- parent scope: through the inherited key, the same test as the parent's
CREATE POLICY notes_member ON notes
    USING (group_id = ANY ((SELECT my_groups())::uuid[]))
    WITH CHECK (group_id = ANY ((SELECT my_groups())::uuid[]));
-- everyone scope: any declared caller reads, nobody writes (no write policy)
CREATE POLICY currencies_everyone ON currencies FOR SELECT
    USING (current_setting('rxsync.user_id', true) <> '');
-- the change pump reads everything, as today
CREATE POLICY groups_change_pump ON groups FOR SELECT USING (current_setting('rxsync.scope', true) = 'all-users');
CREATE POLICY memberships_change_pump ON memberships FOR SELECT USING (current_setting('rxsync.scope', true) = 'all-users');
CREATE POLICY items_change_pump ON items FOR SELECT USING (current_setting('rxsync.scope', true) = 'all-users');
CREATE POLICY notes_change_pump ON notes FOR SELECT USING (current_setting('rxsync.scope', true) = 'all-users');
CREATE POLICY currencies_change_pump ON currencies FOR SELECT USING (current_setting('rxsync.scope', true) = 'all-users');
