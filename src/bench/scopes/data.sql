-- The benchmark's data, the same rows in both designs (d1, d2) and, for the owner-scoped
-- baseline, in the service's own orders table. Sizes:
--   1,000 groups of 200 items (200,000 rows), each with 2 members drawn from 2,000 users;
--   u1, u10 and u100 are members of the first 1, 10 and 100 groups (200, 2,000 and 20,000
--   rows in their view); half of each group's rows are written before the grants and half
--   after, so that pulls take both the move-in and the change path;
--   w1, w10 and w100: groups of 200 rows with 1, 10 and 100 members (write cost);
--   big: a group of 10,000 rows; ugrant's membership, revoked, is granted and revoked again
--   by the measurement;
--   orders: o200, o2000 and o20000 own as many orders, among 200,000 (the baseline).
-- Every group's rows and grants commit in transactions of their own, so stamps differ.
\set ON_ERROR_STOP on

-- rows first..last of a group: ids bench.uid('<group>-<n>')
CREATE FUNCTION bench.add_items(p_design text, grp text, first int, last int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($q$
        INSERT INTO %1$I.items (id, group_id, payload)
        SELECT bench.uid(%2$L || '-' || i), bench.uid(%2$L), 'item ' || i || ' of ' || %2$L
          FROM generate_series(%3$s, %4$s) i
    $q$, p_design, grp, first, last);
END;
$$;

INSERT INTO public.users (id, email, display_name, hashed_password)
SELECT bench.uid(n), n || '@scopes.bench', n, 'x'
  FROM (SELECT 'bu' || i AS n FROM generate_series(1, 2000) i
        UNION ALL SELECT unnest(ARRAY['u1', 'u10', 'u100', 'ugrant', 'o200', 'o2000', 'o20000'])) u;

DO $$
DECLARE
    d text;
BEGIN
    FOREACH d IN ARRAY ARRAY['d1', 'd2'] LOOP
        EXECUTE format($q$
            INSERT INTO %1$I.groups (id, name)
            SELECT bench.uid('bg' || g), 'bg' || g FROM generate_series(1, 1000) g
            UNION ALL SELECT bench.uid(n), n FROM unnest(ARRAY['w1', 'w10', 'w100', 'big']) n
        $q$, d);
    END LOOP;
END
$$;

DO $$
DECLARE
    d text;
    g int;
BEGIN
    FOR g IN 1..1000 LOOP
        FOREACH d IN ARRAY ARRAY['d1', 'd2'] LOOP
            PERFORM bench.add_items(d, 'bg' || g, 1, 100);
        END LOOP;
        COMMIT;
        FOREACH d IN ARRAY ARRAY['d1', 'd2'] LOOP
            EXECUTE format($q$
                INSERT INTO %1$I.memberships (group_id, user_id)
                SELECT bench.uid('bg%2$s'), u FROM (
                    SELECT bench.uid('bu' || (1 + (%2$s * 7 + k * 997) %% 2000)) AS u FROM generate_series(1, 2) k
                    UNION SELECT bench.uid('u1') WHERE %2$s <= 1
                    UNION SELECT bench.uid('u10') WHERE %2$s <= 10
                    UNION SELECT bench.uid('u100') WHERE %2$s <= 100) m
            $q$, d, g);
        END LOOP;
        COMMIT;
        FOREACH d IN ARRAY ARRAY['d1', 'd2'] LOOP
            PERFORM bench.add_items(d, 'bg' || g, 101, 200);
        END LOOP;
        COMMIT;
    END LOOP;
END
$$;

DO $$
DECLARE
    d text;
    w text;
    members int;
BEGIN
    FOREACH d IN ARRAY ARRAY['d1', 'd2'] LOOP
        FOR members IN SELECT unnest(ARRAY[1, 10, 100]) LOOP
            w := 'w' || members;
            EXECUTE format($q$
                INSERT INTO %1$I.memberships (group_id, user_id)
                SELECT bench.uid(%2$L), bench.uid('bu' || k) FROM generate_series(1, %3$s) k
            $q$, d, w, members);
            PERFORM bench.add_items(d, w, 1, 200);
            COMMIT;
        END LOOP;
        PERFORM bench.add_items(d, 'big', 1, 10000);
        EXECUTE format($q$
            INSERT INTO %1$I.memberships (group_id, user_id, deleted) VALUES (bench.uid('big'), bench.uid('ugrant'), true)
        $q$, d);
        COMMIT;
    END LOOP;
END
$$;

DO $$
DECLARE
    batch int;
BEGIN
    FOR batch IN 0..19 LOOP
        -- 10,000 orders per transaction: 1,000 of o20000, 100 of o2000, 10 of o200, the rest
        -- spread over the 2,000 bench users
        INSERT INTO public.orders (id, user_id, status, total_cents, currency)
        SELECT gen_random_uuid(),
               CASE WHEN i <= 10 THEN bench.uid('o200')
                    WHEN i <= 110 THEN bench.uid('o2000')
                    WHEN i <= 1110 THEN bench.uid('o20000')
                    ELSE bench.uid('bu' || (1 + i % 2000)) END,
               'pending', i, 'EUR'
          FROM generate_series(1, 10000) i;
        COMMIT;
    END LOOP;
END
$$;

VACUUM ANALYZE;
