-- Simulated clients, for the exactness script: a pull client per user (pages of a few rows,
-- so that every case crosses page boundaries) and a stream client per user fed by the
-- design's change pump. Both run as the runtime role, under row-level security, exactly as
-- the service would. After each step every client's set must equal its user's view.
CREATE SCHEMA bench;

-- deterministic ids, so that the script names its rows
CREATE FUNCTION bench.uid(name text) RETURNS uuid
LANGUAGE sql IMMUTABLE AS $$ SELECT md5(name)::uuid $$;

CREATE TABLE bench.people (name text PRIMARY KEY, id uuid NOT NULL, online boolean NOT NULL DEFAULT true);

CREATE TABLE bench.local (
    design  text NOT NULL,
    coll    text NOT NULL,
    client  text NOT NULL,   -- 'pull' or 'stream'
    user_id uuid NOT NULL,
    id      uuid NOT NULL,
    payload text NOT NULL,
    PRIMARY KEY (design, coll, client, user_id, id)
);

-- a pull client's checkpoint (user_id set), or the pump's cursor (user_id null)
CREATE TABLE bench.cursors (
    design  text NOT NULL,
    coll    text NOT NULL,
    user_id uuid,
    px      xid8 NOT NULL,
    pid     uuid NOT NULL,
    UNIQUE NULLS NOT DISTINCT (design, coll, user_id)
);

GRANT USAGE ON SCHEMA bench TO :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA bench TO :"app";

CREATE FUNCTION bench.apply(p_design text, p_coll text, p_client text, u uuid, doc record) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF doc.leaving AND doc.payload IS NOT NULL THEN
        RAISE EXCEPTION '%: a leaving document of % carries a value', p_design, doc.id;
    END IF;
    IF doc.leaving OR doc.deleted THEN
        DELETE FROM bench.local l
         WHERE (l.design, l.coll, l.client, l.user_id, l.id) = (p_design, p_coll, p_client, u, doc.id);
    ELSE
        INSERT INTO bench.local VALUES (p_design, p_coll, p_client, u, doc.id, doc.payload)
        ON CONFLICT (design, coll, client, user_id, id) DO UPDATE SET payload = EXCLUDED.payload;
    END IF;
END;
$$;

-- Pages of k from (px, pid) until a short page, as u under row-level security. With a
-- client ('pull'), each document is checked to come after the checkpoint and applied to
-- that client's set; without one (the benchmark's drain) the documents are only counted.
CREATE FUNCTION bench.catch_up(p_design text, p_coll text, u uuid, INOUT px xid8, INOUT pid uuid, k int,
                               client text, OUT total int)
LANGUAGE plpgsql AS $$
DECLARE
    n int;
    doc record;
BEGIN
    PERFORM set_config('rxsync.user_id', u::text, true);
    PERFORM set_config('rxsync.scope', '', true);
    total := 0;
    LOOP
        n := 0;
        FOR doc IN EXECUTE format('SELECT * FROM %I.pull_%s($1, $2, $3, $4)', p_design, p_coll) USING u, px, pid, k LOOP
            IF client IS NOT NULL THEN
                IF (doc.stamp, doc.id) <= (px, pid) THEN
                    RAISE EXCEPTION '%: pull of % returned % at % after checkpoint (%, %)', p_design, p_coll, doc.id, doc.stamp, px, pid;
                END IF;
                PERFORM bench.apply(p_design, p_coll, client, u, doc);
            END IF;
            px := doc.stamp;
            pid := doc.id;
            n := n + 1;
        END LOOP;
        total := total + n;
        EXIT WHEN n < k;
    END LOOP;
END;
$$;

-- A pull client catching up from its stored checkpoint. Returns the number of documents.
CREATE FUNCTION bench.sync(p_design text, p_coll text, u uuid, k int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    c record;
    result record;
BEGIN
    SELECT coalesce(s.px, '0') AS px, coalesce(s.pid, '00000000-0000-0000-0000-000000000000') AS pid INTO c
      FROM (SELECT NULL) one
      LEFT JOIN bench.cursors s ON (s.design, s.coll, s.user_id) = (p_design, p_coll, u);
    SELECT * INTO result FROM bench.catch_up(p_design, p_coll, u, c.px, c.pid, k, 'pull');
    INSERT INTO bench.cursors VALUES (p_design, p_coll, u, result.px, result.pid)
    ON CONFLICT (design, coll, user_id) DO UPDATE SET px = EXCLUDED.px, pid = EXCLUDED.pid;
    RETURN result.total;
END;
$$;

-- One round of the change pump: the window from its cursor to the watermark, routed to
-- every user's stream client, each user's documents in (stamp, id) order.
CREATE FUNCTION bench.pump(p_design text, p_coll text) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    lo xid8;
    hi xid8 := rxsync_watermark();
    subs uuid[];
    doc record;
    prev_user uuid;
    prev_stamp xid8;
    prev_id uuid;
    n int := 0;
BEGIN
    PERFORM set_config('rxsync.user_id', '', true);
    PERFORM set_config('rxsync.scope', 'all-users', true);
    SELECT c.px INTO lo FROM bench.cursors c
     WHERE (c.design, c.coll) = (p_design, p_coll) AND c.user_id IS NULL;
    SELECT array_agg(p.id) INTO subs FROM bench.people p;
    FOR doc IN EXECUTE format('SELECT * FROM %I.pump_%s($1, $2, $3) ORDER BY user_id, stamp, id', p_design, p_coll)
            USING subs, lo, hi LOOP
        IF prev_user = doc.user_id AND (doc.stamp, doc.id) <= (prev_stamp, prev_id) THEN
            RAISE EXCEPTION '%: pump of % routed % twice to %', p_design, p_coll, doc.id, doc.user_id;
        END IF;
        PERFORM bench.apply(p_design, p_coll, 'stream', doc.user_id, doc);
        prev_user := doc.user_id;
        prev_stamp := doc.stamp;
        prev_id := doc.id;
        n := n + 1;
    END LOOP;
    UPDATE bench.cursors c SET px = hi WHERE (c.design, c.coll) = (p_design, p_coll) AND c.user_id IS NULL;
    PERFORM set_config('rxsync.scope', '', true);
    RETURN n;
END;
$$;

-- The ground truth, as the schema owner: the live rows of u's groups; a note is seen by
-- whoever sees its item (the parent's view, not the inherited key).
CREATE FUNCTION bench.truth(p_design text, p_coll text, u uuid) RETURNS TABLE (id uuid, payload text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF p_coll = 'items' THEN
        RETURN QUERY EXECUTE format(
            'SELECT r.id, r.payload::text FROM %1$I.items r WHERE NOT r.deleted AND EXISTS ('
            'SELECT FROM %1$I.memberships m WHERE m.group_id = r.group_id AND m.user_id = $1 AND NOT m.deleted)',
            p_design) USING u;
    ELSE
        RETURN QUERY EXECUTE format(
            'SELECT n.id, n.payload::text FROM %1$I.notes n JOIN %1$I.items r ON r.id = n.item_id'
            ' WHERE NOT n.deleted AND NOT r.deleted AND EXISTS ('
            'SELECT FROM %1$I.memberships m WHERE m.group_id = r.group_id AND m.user_id = $1 AND NOT m.deleted)',
            p_design) USING u;
    END IF;
END;
$$;

-- What row-level security shows u (run as the runtime role).
CREATE FUNCTION bench.rls_view(p_design text, p_coll text, u uuid) RETURNS TABLE (id uuid, payload text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('rxsync.user_id', u::text, true);
    RETURN QUERY EXECUTE format('SELECT r.id, r.payload::text FROM %I.%I r WHERE NOT r.deleted', p_design, p_coll);
END;
$$;

CREATE FUNCTION bench.compare(label text, who text, exact boolean, actual jsonb, expected jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    extra text;
    missing text;
BEGIN
    IF exact THEN
        SELECT string_agg(format('%s=%s', a.key, a.value), ', ') INTO extra
          FROM (SELECT * FROM jsonb_each_text(actual) EXCEPT SELECT * FROM jsonb_each_text(expected)) a;
        SELECT string_agg(format('%s=%s', a.key, a.value), ', ') INTO missing
          FROM (SELECT * FROM jsonb_each_text(expected) EXCEPT SELECT * FROM jsonb_each_text(actual)) a;
    ELSE
        -- while a transaction is held open a client may lag, but never hold a row it may not see
        SELECT string_agg(a.key, ', ') INTO extra
          FROM (SELECT jsonb_object_keys(actual) AS key EXCEPT SELECT jsonb_object_keys(expected)) a;
    END IF;
    IF extra IS NOT NULL OR missing IS NOT NULL THEN
        RAISE EXCEPTION 'FAILED %: % has extra [%], misses [%]', label, who, coalesce(extra, ''), coalesce(missing, '');
    END IF;
END;
$$;

-- After a step: the pump runs once, every online user's pull client catches up, and every
-- client (and what row-level security shows) is compared with the ground truth. expect:
--   'exact'     every client holds exactly its user's view;
--   'no-extra'  a transaction is held open: clients may lag, but hold no row outside the view;
--   'lagging'   a revoke committed after a transaction still open: it is not delivered yet
--               (commit order), so clients are not compared, only row-level security is.
CREATE FUNCTION bench.settle(p_design text, label text, expect text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_coll text;
    p record;
    v_client text;
    expected jsonb;
    actual jsonb;
BEGIN
    FOREACH v_coll IN ARRAY ARRAY['items', 'notes'] LOOP
        PERFORM bench.pump(p_design, v_coll);
        FOR p IN SELECT * FROM bench.people ORDER BY name LOOP
            IF p.online THEN
                PERFORM bench.sync(p_design, v_coll, p.id, 3);
            END IF;
            SELECT coalesce(jsonb_object_agg(t.id, t.payload), '{}') INTO expected FROM bench.truth(p_design, v_coll, p.id) t;
            SELECT coalesce(jsonb_object_agg(t.id, t.payload), '{}') INTO actual FROM bench.rls_view(p_design, v_coll, p.id) t;
            PERFORM bench.compare(label, format('row-level security (%s.%s, %s)', p_design, v_coll, p.name), true, actual, expected);
            FOREACH v_client IN ARRAY ARRAY['pull', 'stream'] LOOP
                CONTINUE WHEN (v_client = 'pull' AND NOT p.online) OR expect = 'lagging';
                SELECT coalesce(jsonb_object_agg(l.id, l.payload), '{}') INTO actual FROM bench.local l
                 WHERE (l.design, l.coll, l.client, l.user_id) = (p_design, v_coll, v_client, p.id);
                PERFORM bench.compare(label, format('%s client (%s.%s, %s)', v_client, p_design, v_coll, p.name), expect = 'exact', actual, expected);
            END LOOP;
        END LOOP;
    END LOOP;
    PERFORM set_config('rxsync.user_id', '', true);
END;
$$;

GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA bench TO :"app";
