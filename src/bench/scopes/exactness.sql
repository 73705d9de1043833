-- The exactness cases of issue 14, at the SQL level, for one design (-v design=d1 or d2):
-- each step changes memberships or rows, then bench.settle compares every client with the
-- ground truth and raises (psql stops with an error) when one differs. Transactions held
-- open run on a second and third connection (dblink), as the commit-order tests do.
\set ON_ERROR_STOP on
SET search_path = :"design", public;
\set settle 'SET ROLE ' :"app" '; SELECT bench.settle(' :'design' ', '
\set done '); RESET ROLE;'
-- the held transaction commits; the statement sent meanwhile on the other connection is
-- collected (its result, then the end of its results), whenever it could run
\set release 'SELECT dblink_exec(''held'', ''COMMIT''); SELECT * FROM dblink_get_result(''other'') AS t(status text); SELECT * FROM dblink_get_result(''other'') AS t(status text);'

-- people: ann, bob and dan share groups; cat is in none of theirs (the outsider)
INSERT INTO public.users (id, email, display_name, hashed_password)
SELECT bench.uid(n), n || '@scopes.bench', n, 'x' FROM unnest(ARRAY['ann', 'bob', 'cat', 'dan']) n
ON CONFLICT DO NOTHING;
INSERT INTO bench.people (name, id) SELECT n, bench.uid(n) FROM unnest(ARRAY['ann', 'bob', 'cat', 'dan']) n
ON CONFLICT (name) DO UPDATE SET online = true;
DELETE FROM bench.local WHERE design = :'design';
DELETE FROM bench.cursors WHERE design = :'design';
-- the change pump starts now: every change of this script reaches the stream clients through it
INSERT INTO bench.cursors SELECT :'design', c, NULL, rxsync_watermark(), '00000000-0000-0000-0000-000000000000'
  FROM unnest(ARRAY['items', 'notes']) c;

INSERT INTO groups (id, name) SELECT bench.uid(:'design' || g), g FROM unnest(ARRAY['g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7']) g;
INSERT INTO memberships (group_id, user_id) VALUES
    (bench.uid(:'design' || 'g1'), bench.uid('ann')), (bench.uid(:'design' || 'g1'), bench.uid('bob')),
    (bench.uid(:'design' || 'g2'), bench.uid('bob')), (bench.uid(:'design' || 'g3'), bench.uid('dan')),
    (bench.uid(:'design' || 'g4'), bench.uid('ann')), (bench.uid(:'design' || 'g5'), bench.uid('dan')),
    (bench.uid(:'design' || 'g7'), bench.uid('cat'));
INSERT INTO items (id, group_id, payload)
SELECT bench.uid(:'design' || g || '-' || i), bench.uid(:'design' || g), g || '-' || i || ' v1'
  FROM unnest(ARRAY['g1', 'g2', 'g3', 'g4', 'g5']) g, generate_series(1, 7) i;
INSERT INTO notes (id, item_id, group_id, payload)
SELECT bench.uid(:'design' || 'n' || g || '-' || i), bench.uid(:'design' || g || '-' || i), bench.uid(:'design' || g), 'note of ' || g || '-' || i
  FROM unnest(ARRAY['g1', 'g2', 'g4']) g, generate_series(1, 3) i;
:settle 'initial state', 'exact' :done

SELECT dblink_connect('held', format('host=127.0.0.1 dbname=%s user=postgres', current_database()));
SELECT dblink_connect('other', format('host=127.0.0.1 dbname=%s user=postgres', current_database()));

\echo 0. commit order: a write into g1 is held open, a later write into g1 commits first
SELECT dblink_exec('held', format('BEGIN; UPDATE %I.items SET payload = ''g1-6 v2'' WHERE id = %L',
                                  :'design', bench.uid(:'design' || 'g1-6')));
UPDATE items SET payload = 'g1-7 v2' WHERE id = bench.uid(:'design' || 'g1-7');
:settle 'commit order, write held open', 'no-extra' :done
SELECT dblink_exec('held', 'COMMIT');
:settle 'commit order, committed', 'exact' :done

\echo 1a. move-in: a row written into g2 is held open; ann's grant to g2 commits after it
SELECT dblink_exec('held', format('BEGIN; UPDATE %I.items SET payload = ''g2-1 v2'' WHERE id = %L',
                                  :'design', bench.uid(:'design' || 'g2-1')));
SELECT dblink_send_query('other', format('INSERT INTO %I.memberships (group_id, user_id) VALUES (%L, %L)',
                                         :'design', bench.uid(:'design' || 'g2'), bench.uid('ann')));
SELECT pg_sleep(0.2);  -- time for the other statement to commit, or to block on a lock
:settle 'move-in, write held open', 'no-extra' :done
:release
:settle 'move-in, write held open, committed', 'exact' :done

\echo 1b. move-in: dan's grant to g1 is held open; rows of g1 are written and committed after it
SELECT dblink_exec('held', format('BEGIN; INSERT INTO %I.memberships (group_id, user_id) VALUES (%L, %L)',
                                  :'design', bench.uid(:'design' || 'g1'), bench.uid('dan')));
SELECT dblink_send_query('other', format(
    'DO $x$ BEGIN UPDATE %1$I.items SET payload = ''g1-1 v2'' WHERE id = %2$L; '
    'INSERT INTO %1$I.items (id, group_id, payload) VALUES (%3$L, %4$L, ''g1-8 v1''); '
    'INSERT INTO %1$I.notes (id, item_id, group_id, payload) VALUES (%5$L, %2$L, %4$L, ''late note''); END $x$',
    :'design', bench.uid(:'design' || 'g1-1'), bench.uid(:'design' || 'g1-8'), bench.uid(:'design' || 'g1'),
    bench.uid(:'design' || 'late note')));
SELECT pg_sleep(0.2);  -- time for the other statement to commit, or to block on a lock
:settle 'move-in, grant held open', 'no-extra' :done
:release
:settle 'move-in, grant held open, committed', 'exact' :done

\echo 2a. move-out: ann is revoked from g1; later writes to g1 never reach her
DELETE FROM memberships WHERE group_id = bench.uid(:'design' || 'g1') AND user_id = bench.uid('ann');
:settle 'move-out', 'exact' :done
UPDATE items SET payload = 'g1-2 v2' WHERE id = bench.uid(:'design' || 'g1-2');
INSERT INTO items (id, group_id, payload) VALUES (bench.uid(:'design' || 'g1-9'), bench.uid(:'design' || 'g1'), 'g1-9 v1');
:settle 'writes after move-out', 'exact' :done

\echo 2b. move-out: a write into g2 is held open; ann's revoke from g2 commits after it
SELECT dblink_exec('held', format('BEGIN; UPDATE %I.items SET payload = ''g2-2 v2'' WHERE id = %L',
                                  :'design', bench.uid(:'design' || 'g2-2')));
SELECT dblink_send_query('other', format('DELETE FROM %I.memberships WHERE group_id = %L AND user_id = %L',
                                         :'design', bench.uid(:'design' || 'g2'), bench.uid('ann')));
SELECT pg_sleep(0.2);  -- time for the other statement to commit, or to block on a lock
:settle 'move-out, write held open', 'lagging' :done
:release
:settle 'move-out, write held open, committed', 'exact' :done

\echo 3a. revoke and re-grant while bob is offline, with writes, a delete and an insert between
UPDATE bench.people SET online = false WHERE name = 'bob';
DELETE FROM memberships WHERE group_id = bench.uid(:'design' || 'g2') AND user_id = bench.uid('bob');
UPDATE items SET payload = 'g2-3 v2' WHERE id = bench.uid(:'design' || 'g2-3');
DELETE FROM items WHERE id = bench.uid(:'design' || 'g2-4');
INSERT INTO items (id, group_id, payload) VALUES (bench.uid(:'design' || 'g2-8'), bench.uid(:'design' || 'g2'), 'g2-8 v1');
UPDATE memberships SET deleted = false WHERE group_id = bench.uid(:'design' || 'g2') AND user_id = bench.uid('bob');
:settle 'revoke and re-grant, bob still offline', 'exact' :done
UPDATE bench.people SET online = true WHERE name = 'bob';
:settle 'revoke and re-grant, bob back', 'exact' :done

\echo 3b. while bob is offline a row of g1 is deleted, then bob is revoked from g1
UPDATE bench.people SET online = false WHERE name = 'bob';
DELETE FROM items WHERE id = bench.uid(:'design' || 'g1-3');
DELETE FROM memberships WHERE group_id = bench.uid(:'design' || 'g1') AND user_id = bench.uid('bob');
UPDATE bench.people SET online = true WHERE name = 'bob';
:settle 'delete then revoke while offline', 'exact' :done

\echo 4a. a row moved from g4 (ann) to g5 (dan): it leaves ann and enters dan, with its notes
UPDATE items SET group_id = bench.uid(:'design' || 'g5') WHERE id = bench.uid(:'design' || 'g4-1');
:settle 'row moved', 'exact' :done

\echo 4b. while ann is offline a row moves g4 -> g5 -> g6 (nobody) and another g4 -> g5 -> g4
UPDATE bench.people SET online = false WHERE name = 'ann';
UPDATE items SET group_id = bench.uid(:'design' || 'g5') WHERE id IN (bench.uid(:'design' || 'g4-2'), bench.uid(:'design' || 'g4-3'));
UPDATE items SET group_id = bench.uid(:'design' || 'g6') WHERE id = bench.uid(:'design' || 'g4-2');
UPDATE items SET group_id = bench.uid(:'design' || 'g4'), payload = 'g4-3 v2' WHERE id = bench.uid(:'design' || 'g4-3');
UPDATE bench.people SET online = true WHERE name = 'ann';
:settle 'rows moved twice while offline', 'exact' :done

\echo 5a. parent: a note written under an item, the item moved back to g4, then deleted
INSERT INTO notes (id, item_id, group_id, payload)
VALUES (bench.uid(:'design' || 'n-new'), bench.uid(:'design' || 'g4-1'), bench.uid(:'design' || 'g7'), 'note written with a wrong group');
:settle 'note inherits its item group', 'exact' :done
UPDATE items SET group_id = bench.uid(:'design' || 'g4') WHERE id = bench.uid(:'design' || 'g4-1');
:settle 'parent moved back', 'exact' :done
DELETE FROM items WHERE id = bench.uid(:'design' || 'g4-1');
:settle 'parent deleted', 'exact' :done

\echo 5b. a note moved to another item (another group)
UPDATE notes SET item_id = bench.uid(:'design' || 'g1-5') WHERE id = bench.uid(:'design' || 'ng4-2');
:settle 'note moved to another parent', 'exact' :done

\echo 4c. while ann is offline a row moves out of g4, ann is revoked from g4, a row moves into g4
UPDATE bench.people SET online = false WHERE name = 'ann';
UPDATE items SET group_id = bench.uid(:'design' || 'g5') WHERE id = bench.uid(:'design' || 'g4-5');
DELETE FROM memberships WHERE group_id = bench.uid(:'design' || 'g4') AND user_id = bench.uid('ann');
UPDATE items SET group_id = bench.uid(:'design' || 'g4') WHERE id = bench.uid(:'design' || 'g3-1');
UPDATE bench.people SET online = true WHERE name = 'ann';
:settle 'move out, revoke, move in while offline', 'exact' :done
UPDATE memberships SET deleted = false WHERE group_id = bench.uid(:'design' || 'g4') AND user_id = bench.uid('ann');
UPDATE items SET group_id = bench.uid(:'design' || 'g4') WHERE id = bench.uid(:'design' || 'g4-5');
:settle 're-granted, row moved back', 'exact' :done

SELECT dblink_disconnect('held');
SELECT dblink_disconnect('other');
\echo exactness :design passed
