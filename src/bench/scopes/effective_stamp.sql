-- Design 1: the effective stamp, computed at read time (SCOPES.md).
--
-- For a user U and a row R of group G, R's stamp for U is the greatest transaction id of the
-- events that decide what U must hold of R:
--   U active in G (membership stamped mx)   greatest(R.change_xid, mx), R's current state;
--   U revoked from G at mx                  mx, a leaving document (R existed then);
--   R moved out of a group of U's at t      t, a leaving document (unless U still sees R).
-- Every event only raises a stamp, and a new event commits at or above the watermark of any
-- pull before it, so a keyset pull by (stamp, id) below the watermark misses nothing: the
-- rule of PROTOCOL.md, applied to the stamp instead of change_xid. Nothing is written per
-- member or per grant; the pull pays instead, once per group of the user.
--
-- The only write-time bookkeeping is the move log: after a row leaves a group, the group's
-- members can no longer find it by its group column.
CREATE TABLE d1.moves (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection varchar(63) NOT NULL,
    row_id     uuid        NOT NULL,
    from_group uuid        NOT NULL,
    change_xid xid8        NOT NULL DEFAULT pg_current_xact_id(),
    created_at timestamptz NOT NULL DEFAULT now()
);
-- the moves out of one of a user's groups since a checkpoint (pull, pump)
CREATE INDEX moves_from_group_idx ON d1.moves (from_group, collection, change_xid, row_id);
-- a row's later moves (one leaving stamp per user and row)
CREATE INDEX moves_row_idx ON d1.moves (row_id, collection, change_xid);

-- SECURITY DEFINER: the runtime role cannot read the move log (it names rows of other
-- groups); the trigger writes it whoever moves the row.
CREATE FUNCTION d1.log_move() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO d1.moves (collection, row_id, from_group) VALUES (TG_TABLE_NAME, OLD.id, OLD.group_id);
    RETURN NULL;
END;
$$;

-- The move-in branch of the pull and the revoked source of the leaving rows walk a group's
-- rows in id order; the stamps they test are included, so that the walk reads the index only.
CREATE INDEX items_group_id_idx ON d1.items (group_id, id) INCLUDE (change_xid, created_xid);
CREATE INDEX notes_group_id_idx ON d1.notes (group_id, id) INCLUDE (change_xid, created_xid);

-- The pull, the pump and the leaving rows of one collection, from one template per part.
DO $do$
DECLARE
    coll text;
BEGIN
    FOREACH coll IN ARRAY ARRAY['items', 'notes'] LOOP
        EXECUTE format($t$
            -- not UPDATE OF group_id: a note's group changes in its BEFORE trigger, which
            -- an UPDATE OF trigger does not count as an update of the column
            CREATE TRIGGER %1$s_log_move AFTER UPDATE ON d1.%1$I
                FOR EACH ROW WHEN (OLD.group_id IS DISTINCT FROM NEW.group_id)
                EXECUTE FUNCTION d1.log_move()
        $t$, coll);

        -- The rows that left the view of each user in subs, after (lo, lo_id) and below hi,
        -- at most k per source, in (stamp, id) order within each source. Two sources:
        --   revoked: the rows of a group the user was revoked from that existed then (a row
        --            created later is none of the user's business, not even its id), at the
        --            revoke's stamp, in id order;
        --   moved:   the rows moved out of a group of the user's (past or present), at the
        --            move's stamp.
        -- A row has one leaving stamp per user, the latest of these events: each source keeps
        -- a row only when the other holds no later event for it (a tie goes to the revoke),
        -- so no (user, row) comes twice and each source stays a keyset walk of an index;
        -- rows the user still sees are dropped inside each source, before its LIMIT.
        -- SECURITY DEFINER: row-level security hides exactly these rows from the runtime
        -- role; the function hands out only their ids, and only for the declared caller
        -- (or to the change pump). PL/pgSQL, not SQL: such a function cannot be inlined, and
        -- a SQL one was planned again on every call (about 25 of the 30 ms of a page of
        -- 1,000 leaving rows); PL/pgSQL keeps its plan for the connection.
        EXECUTE format($t$
            CREATE FUNCTION d1.leaving_%1$s(subs uuid[], lo xid8, lo_id uuid, hi xid8, k int)
            RETURNS TABLE (user_id uuid, id uuid, stamp xid8)
            LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
            #variable_conflict use_column
            BEGIN
                RETURN QUERY
                SELECT m.user_id, r.id, m.change_xid
                  FROM d1.memberships m
                  CROSS JOIN LATERAL (
                      SELECT r.id FROM d1.%1$I r
                       WHERE r.group_id = m.group_id AND r.created_xid < m.change_xid
                         AND r.id > CASE WHEN m.change_xid = lo THEN lo_id
                                         ELSE '00000000-0000-0000-0000-000000000000'::uuid END
                         AND NOT EXISTS (SELECT FROM d1.moves mv
                                           JOIN d1.memberships m2 ON m2.group_id = mv.from_group AND m2.user_id = m.user_id
                                          WHERE mv.row_id = r.id AND mv.collection = %2$L
                                            AND mv.change_xid > m.change_xid AND mv.change_xid < hi)
                       ORDER BY r.id LIMIT k) r
                 WHERE m.user_id = ANY (subs) AND m.deleted AND m.change_xid >= lo AND m.change_xid < hi
                   AND (m.user_id::text = current_setting('rxsync.user_id', true)
                        OR current_setting('rxsync.scope', true) = 'all-users')
                UNION ALL
                SELECT mv.user_id, mv.row_id, mv.change_xid
                  FROM (SELECT m.user_id, mv.row_id, mv.change_xid
                          FROM d1.memberships m
                          JOIN d1.moves mv ON mv.from_group = m.group_id AND mv.collection = %2$L
                         WHERE m.user_id = ANY (subs)
                           AND (m.user_id::text = current_setting('rxsync.user_id', true)
                                OR current_setting('rxsync.scope', true) = 'all-users')
                           AND (mv.change_xid, mv.row_id) > (lo, lo_id) AND mv.change_xid < hi
                           AND NOT EXISTS (SELECT FROM d1.moves later
                                             JOIN d1.memberships m2 ON m2.group_id = later.from_group AND m2.user_id = m.user_id
                                            WHERE later.row_id = mv.row_id AND later.collection = %2$L
                                              AND (later.change_xid, later.id) > (mv.change_xid, mv.id) AND later.change_xid < hi)
                           AND NOT EXISTS (SELECT FROM d1.%1$I r
                                             JOIN d1.memberships m3 ON m3.group_id = r.group_id AND m3.user_id = m.user_id
                                            WHERE r.id = mv.row_id
                                              AND (NOT m3.deleted
                                                   OR (m3.change_xid >= mv.change_xid AND r.created_xid < m3.change_xid))
                                              AND m3.change_xid < hi)
                         ORDER BY mv.change_xid, mv.row_id
                         LIMIT k) mv;
            END;
            $f$
        $t$, coll, coll);

        -- One page of U's view changes after (px, pid), in (stamp, id) order, below the
        -- watermark. Per active membership m (granted at mx, below the watermark):
        --   entering: the rows written no later than the grant, at stamp mx, in id order;
        --   changed:  the rows written after the grant, at their own change_xid.
        -- Each branch stops at k rows, so a page considers at most 2k rows per group: the
        -- price of this design, paid from index-only scans (stamps and ids only); the k rows
        -- of the page are then read by primary key. The leaving rows come from d1.leaving_*.
        -- A branch's rows at or above the watermark are a suffix of it (it is ordered by
        -- stamp), so filtering after the LIMIT is exact. The watermark is a scalar subquery
        -- so that it is computed once per statement: as a bare call in a filter above the
        -- branches it ran once per row (2.1 s for a first page of a member of 100 groups
        -- instead of a few ms; found by this benchmark).
        EXECUTE format($t$
            CREATE FUNCTION d1.pull_%1$s(u uuid, px xid8, pid uuid, k int)
            RETURNS TABLE (id uuid, stamp xid8, leaving boolean, deleted boolean, payload text)
            LANGUAGE sql STABLE AS $f$
                WITH page AS (
                    SELECT c.id, c.stamp, c.leaving
                      FROM (SELECT e.*
                              FROM d1.memberships m
                              CROSS JOIN LATERAL (
                                  (SELECT r.id, m.change_xid AS stamp, false AS leaving
                                     FROM d1.%1$I r
                                    WHERE m.change_xid >= px AND r.group_id = m.group_id AND r.change_xid <= m.change_xid
                                      AND r.id > CASE WHEN m.change_xid = px THEN pid
                                                      ELSE '00000000-0000-0000-0000-000000000000'::uuid END
                                    ORDER BY r.id LIMIT k)
                                  UNION ALL
                                  (SELECT r.id, r.change_xid, false
                                     FROM d1.%1$I r
                                    WHERE r.group_id = m.group_id
                                      AND (r.change_xid, r.id) > (greatest(px, m.change_xid),
                                           CASE WHEN m.change_xid >= px THEN 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
                                                ELSE pid END)
                                    ORDER BY r.change_xid, r.id LIMIT k)) e
                             WHERE m.user_id = u AND NOT m.deleted AND m.change_xid < (SELECT public.rxsync_watermark())
                            UNION ALL
                            SELECT l.id, l.stamp, true
                              FROM d1.leaving_%1$s(ARRAY[u], px, pid, (SELECT public.rxsync_watermark()), k) l) c
                     WHERE (c.stamp, c.id) > (px, pid) AND c.stamp < (SELECT public.rxsync_watermark())
                     ORDER BY c.stamp, c.id
                     LIMIT k)
                SELECT p.id, p.stamp, p.leaving OR r.id IS NULL, coalesce(r.deleted, true), r.payload::text
                  FROM page p
                  LEFT JOIN d1.%1$I r ON NOT p.leaving AND r.id = p.id
                 ORDER BY p.stamp, p.id
            $f$
        $t$, coll);

        -- The change pump's window [lo, hi) (hi = the watermark it read), routed to the
        -- subscribed users: the same view as the pull, found from the events of the window
        -- (rows written, memberships granted, rows left) instead of from one user's groups.
        EXECUTE format($t$
            CREATE FUNCTION d1.pump_%1$s(subs uuid[], lo xid8, hi xid8)
            RETURNS TABLE (user_id uuid, id uuid, stamp xid8, leaving boolean, deleted boolean, payload text)
            LANGUAGE sql STABLE AS $f$
                -- rows written in the window, to the members granted before the write
                SELECT m.user_id, r.id, r.change_xid, false, r.deleted, r.payload::text
                  FROM d1.%1$I r
                  JOIN d1.memberships m ON m.group_id = r.group_id
                 WHERE r.change_xid >= lo AND r.change_xid < hi
                   AND m.user_id = ANY (subs) AND NOT m.deleted AND m.change_xid < r.change_xid
                UNION ALL
                -- grants in the window: the group's rows written no later than the grant
                SELECT m.user_id, r.id, m.change_xid, false, r.deleted, r.payload::text
                  FROM d1.memberships m
                  JOIN d1.%1$I r ON r.group_id = m.group_id AND r.change_xid <= m.change_xid
                 WHERE m.change_xid >= lo AND m.change_xid < hi AND m.user_id = ANY (subs) AND NOT m.deleted
                UNION ALL
                SELECT l.user_id, l.id, l.stamp, true, true, NULL
                  FROM d1.leaving_%1$s(subs, lo, '00000000-0000-0000-0000-000000000000', hi, 2147483647) l
            $f$
        $t$, coll);
    END LOOP;
END
$do$;

GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA d1 TO :"app";
