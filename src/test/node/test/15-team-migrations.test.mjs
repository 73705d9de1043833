// Scenario 15: a team that runs the packaged image adds a collection without a rebuild.
// The example of docker/examples/migrations (V1__tasks.sql, the file compose and the
// Kubernetes manifests mount) is laid out as a ConfigMap mount and named by
// RXSYNC_MIGRATIONS_DIR; the packaged jar applies it after its own migrations, with its own
// history, and RxDB 17 clients with the schema validation plugin on build the collection
// from the listing and sync it. The schema tasks (migrate, validate) handle it the same way.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
    APP_DIR, PG, fullPull, getListing, http, registerUser, resetDatabase, startEnv, withLogs, withPg,
} from '../lib/harness.mjs';
import { createClient } from '../lib/clients.mjs';
import { assertNoErrors, awaitDoc, awaitGone } from '../lib/assertions.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const EXAMPLE = path.resolve(here, '../../../../docker/examples/migrations');
const OUR_DOWN = path.resolve(here, '../../../main/resources/db/down');
const TEAM_HISTORY = 'rxsync_team_schema_history';

/**
 * A directory as Kubernetes mounts a ConfigMap: the files live in a hidden timestamped
 * directory, `..data` links to it and each name links through `..data`. Flyway must find
 * every migration once (a second copy of V1 would be a duplicate version).
 */
function configMapMount(files) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxsync-team-migrations-'));
    const data = '..2026_12_05_18_00_00.000000001';
    fs.mkdirSync(path.join(dir, data));
    fs.symlinkSync(data, path.join(dir, '..data'));
    for (const [name, text] of Object.entries(files)) addFile(dir, name, text);
    return dir;
}

function addFile(dir, name, text) {
    fs.writeFileSync(path.join(dir, '..data', name), text);
    fs.symlinkSync(path.join('..data', name), path.join(dir, name));
}

function exampleFiles() {
    return Object.fromEntries(fs.readdirSync(EXAMPLE).map((f) => [f, fs.readFileSync(path.join(EXAMPLE, f), 'utf8')]));
}

/** The packaged jar run as a schema task (README, Migrations outside startup). */
function schemaTask(profile, database, env) {
    return new Promise((resolve, reject) => {
        const proc = spawn('java', [
            '-Xmx384m', '-XX:TieredStopAtLevel=1',
            `-Dquarkus.profile=${profile}`,
            `-Dquarkus.datasource.reactive.url=postgresql://${PG.host}:${PG.port}/${database}`,
            `-Dquarkus.datasource.jdbc.url=jdbc:postgresql://${PG.host}:${PG.port}/${database}`,
            '-jar', path.join(APP_DIR, 'quarkus-run.jar'),
        ], { cwd: APP_DIR, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        proc.stdout.on('data', (b) => { output += b; });
        proc.stderr.on('data', (b) => { output += b; });
        proc.on('error', reject);
        proc.on('exit', (code) => resolve({ code, output }));
    });
}

const versions = (pool, table) => pool.query(`SELECT version FROM ${table} WHERE success ORDER BY installed_rank`)
    .then((r) => r.rows.map((row) => row.version));

function newTask(userId, extra = {}) {
    return {
        id: crypto.randomUUID(),
        userId,
        title: 'Write the guide',
        status: 'doing',
        priority: 2,
        estimateHours: 1.5,
        pinned: true,
        dueAt: '2026-12-24T18:00:00.000Z',
        labels: { area: 'docs', tags: ['readme', 'k8s'] },
        ...extra,
    };
}

/** The server renders timestamps its own way (an equal instant): compare them as instants. */
const sameTask = (a, b) => {
    const { dueAt: da, ...ra } = a;
    const { dueAt: db, ...rb } = b;
    return Date.parse(da) === Date.parse(db) && JSON.stringify(sortKeys(ra)) === JSON.stringify(sortKeys(rb));
};
const sortKeys = (o) => Object.fromEntries(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : 1)));

let env;
let mount;
const clients = [];
before(async () => {
    mount = configMapMount(exampleFiles());
    env = await startEnv({ name: 'team', env: { RXSYNC_MIGRATIONS_DIR: mount } });
});
after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (env) await env.close();
    if (mount) fs.rmSync(mount, { recursive: true, force: true });
});

describe('a team adds a collection to the packaged image (RXSYNC_MIGRATIONS_DIR)', () => {
    test('its migrations ran after ours, in their own history, and the listing derives the schema', withLogs(async () => {
        const ours = await versions(env.pool, 'flyway_schema_history');
        assert.ok(ours.includes('1') && ours.includes('20'), `our history: ${ours}`);
        assert.deepStrictEqual(await versions(env.pool, TEAM_HISTORY), ['0', '1'],
            'the team numbers from V1 (beside our V1) after a baseline, each file once');

        const u = await registerUser(env.base, 'team-listing');
        const tasks = (await getListing(env.base, u.token)).find((e) => e.name === 'tasks');
        assert.ok(tasks, 'tasks is listed');
        assert.equal(tasks.url, '/api/v1/sync/tasks/0');
        const p = tasks.schema.properties;
        assert.deepStrictEqual(p.title, { type: 'string', maxLength: 120 });
        assert.deepStrictEqual(p.status, { type: 'string', maxLength: 16, enum: ['open', 'doing', 'done'] });
        assert.deepStrictEqual(p.priority, { type: 'integer', minimum: 1, maximum: 5 });
        assert.deepStrictEqual(p.estimateHours, { type: 'number', minimum: 0 });
        assert.deepStrictEqual(p.pinned, { type: 'boolean' });
        assert.deepStrictEqual(p.dueAt, { type: 'string', format: 'date-time' });
        assert.deepStrictEqual(p.labels, { type: 'object' });
        assert.deepStrictEqual(p.id, { type: 'string', maxLength: 36 });
        assert.deepStrictEqual([...tasks.schema.required].sort(), ['id', 'title', 'userId']);
    }));

    test('RxDB 17 clients with schema validation on build tasks from the listing and sync it', withLogs(async () => {
        const u = await registerUser(env.base, 'team-sync');
        const schema = (await getListing(env.base, u.token)).find((e) => e.name === 'tasks').schema;
        const mk = (label) => createClient({
            kind: 'plain-v17', base: env.base, token: u.token, schema, collection: 'tasks', label, validate: true,
        });
        const A = await mk('A-tasks');
        const B = await mk('B-tasks');
        clients.push(A, B);
        await A.start();
        await B.start();

        // every kind of column goes through the client's validator, the server and back
        const task = newTask(u.userId);
        await A.col.insert(task);
        const arrived = await awaitDoc(B, task.id, () => true, { what: 'the task at B' });
        assert.ok(sameTask(arrived, task), `B: ${JSON.stringify(arrived)}`);
        await A.awaitInSync();
        const { rows } = await env.pool.query(
            `SELECT title, status, priority, estimate_hours::text AS hours, pinned, due_at, labels, deleted
               FROM tasks WHERE id = $1`, [task.id]);
        assert.deepStrictEqual(rows, [{
            title: task.title, status: 'doing', priority: 2, hours: '1.50', pinned: true,
            due_at: new Date(task.dueAt), labels: task.labels, deleted: false,
        }]);

        // the nullable columns may be left out: they stay NULL and absent
        const bare = { id: crypto.randomUUID(), userId: u.userId, title: 'Bare', status: 'open', priority: 3, pinned: false };
        await B.col.insert(bare);
        assert.deepStrictEqual(await awaitDoc(A, bare.id, () => true, { what: 'the bare task at A' }), bare);
        const nulls = await env.pool.query(
            'SELECT estimate_hours, due_at, labels FROM tasks WHERE id = $1', [bare.id]);
        assert.deepStrictEqual(nulls.rows, [{ estimate_hours: null, due_at: null, labels: null }]);

        // a write in SQL by another system replicates like any other
        await env.pool.query("UPDATE tasks SET status = 'done', priority = 5 WHERE id = $1", [task.id]);
        await awaitDoc(A, task.id, (d) => d.status === 'done' && d.priority === 5, { what: 'the SQL update at A' });
        await awaitDoc(B, task.id, (d) => d.status === 'done' && d.priority === 5, { what: 'the SQL update at B' });

        // what the schema says, the validator enforces before anything is sent
        const rejected = [
            ['a title over maxLength', { title: 'x'.repeat(121) }, 'maxLength'],
            ['a priority above maximum', { priority: 6 }, 'maximum'],
            ['a status outside the enum', { status: 'later' }, 'enum'],
            ['a malformed date-time', { dueAt: 'next week' }, 'format'],
        ];
        for (const [what, change, keyword] of rejected) {
            const doc = newTask(u.userId, change);
            await assert.rejects(A.col.insert(doc), (e) => {
                assert.equal(e.code, 'VD2', `${what}: ${e.message}`);
                const found = e.parameters.writeError.validationErrors;
                assert.deepStrictEqual(found.map((v) => v.keyword), [keyword], `${what}: ${JSON.stringify(found)}`);
                return true;
            }, what);
            assert.equal(await A.doc(doc.id), null, `${what}: not stored locally`);
        }

        // a delete becomes a tombstone on the server and leaves B
        await (await A.col.findOne(bare.id).exec()).remove();
        await awaitGone(B, bare.id);
        await A.awaitInSync();
        const deleted = await env.pool.query('SELECT deleted FROM tasks WHERE id = $1', [bare.id]);
        assert.deepStrictEqual(deleted.rows, [{ deleted: true }]);

        const pulled = await fullPull(env.base, u.token, 'tasks');
        assert.deepStrictEqual(pulled.docs.map((d) => [d.id, d._deleted]).sort(),
            [[bare.id, true], [task.id, false]].sort());
        const sqlCount = await env.pool.query(
            'SELECT count(*)::int AS n FROM tasks WHERE title = $1 OR length(title) > 120', ['x'.repeat(121)]);
        assert.equal(sqlCount.rows[0].n, 0, 'nothing the validator refused reached the server');
        assertNoErrors([A, B]);
    }));

    test('a constraint the schema cannot say passes the client and is a 400 from the server, nothing written', withLogs(async () => {
        const u = await registerUser(env.base, 'team-constraint');
        const schema = (await getListing(env.base, u.token)).find((e) => e.name === 'tasks').schema;
        // a validating collection that never replicates: the blank title is schema-valid
        const C = await createClient({
            kind: 'plain-v17', base: env.base, token: u.token, schema, collection: 'tasks', label: 'C-local', validate: true,
        });
        clients.push(C);
        const blank = newTask(u.userId, { title: '   ' });
        await C.col.insert(blank);
        assert.equal((await C.doc(blank.id)).title, '   ');

        const fine = newTask(u.userId, { title: 'Fine' });
        const res = await http(env.base, 'POST', '/api/v1/sync/tasks/0/push', {
            token: u.token,
            body: [{ newDocumentState: { ...fine, _deleted: false } }, { newDocumentState: { ...blank, _deleted: false } }],
        });
        assert.equal(res.status, 400, `${res.status} ${res.text}`);
        assert.equal(res.body.error, true);
        assert.equal(res.body.message, "row 1: field 'title' breaks the table's constraint tasks_title_not_blank");
        const { rows } = await env.pool.query('SELECT id FROM tasks WHERE user_id = $1', [u.userId]);
        assert.deepStrictEqual(rows, [], 'the valid row of the push is not written either');
    }));
});

describe('the schema tasks run a team\'s migrations too', () => {
    test('migrate applies ours then theirs; validate checks both; our next migration still applies after theirs',
        withLogs(async () => {
            const database = `rxsync_e2e_teamtask${process.env.RXSYNC_TEST_DB_SUFFIX ?? ''}`;
            await resetDatabase(database);
            const dir = configMapMount(exampleFiles());
            const teamEnv = { RXSYNC_MIGRATIONS_DIR: dir };
            try {
                const show = (r) => `exit ${r.code}\n${r.output.slice(-3000)}`;
                const migrate = await schemaTask('migrate', database, teamEnv);
                assert.equal(migrate.code, 0, show(migrate));
                const valid = await schemaTask('validate', database, teamEnv);
                assert.equal(valid.code, 0, show(valid));
                assert.match(valid.output, /schema valid/);
                await withPg(database, async (c) => {
                    assert.deepStrictEqual(await versions(c, TEAM_HISTORY), ['0', '1']);
                });

                // the team adds V2: validate reports it pending until migrate applies it
                addFile(dir, 'V2__task_notes.sql', "ALTER TABLE tasks ADD COLUMN notes varchar(500);\n"
                    + "SELECT rxsync_declare_collection(collection => 'tasks', table_name => 'tasks',\n"
                    + "    scope => '{\"kind\": \"owner\", \"column\": \"user_id\"}', schema_version => 1);\n");
                const behind = await schemaTask('validate', database, teamEnv);
                assert.notEqual(behind.code, 0, show(behind));
                assert.match(behind.output, /not applied/);
                const again = await schemaTask('migrate', database, teamEnv);
                assert.equal(again.code, 0, show(again));
                assert.equal((await schemaTask('validate', database, teamEnv)).code, 0);

                // our newest migration stepped down (as if the next release brought it): it
                // applies although the team's history is ahead of it and numbers collide
                const [ourDown] = fs.readdirSync(OUR_DOWN).filter((f) => /^U\d+__/.test(f))
                    .sort((a, b) => Number(/^U(\d+)/.exec(b)[1]) - Number(/^U(\d+)/.exec(a)[1]));
                const ourHead = /^U(\d+)/.exec(ourDown)[1];
                await withPg(database, (c) => c.query(fs.readFileSync(path.join(OUR_DOWN, ourDown), 'utf8')));
                await withPg(database, async (c) => {
                    assert.equal((await versions(c, 'flyway_schema_history')).includes(ourHead), false);
                });
                const ahead = await schemaTask('validate', database, teamEnv);
                assert.notEqual(ahead.code, 0, 'our own migration pending: ' + show(ahead));
                const upgrade = await schemaTask('migrate', database, teamEnv);
                assert.equal(upgrade.code, 0, show(upgrade));
                await withPg(database, async (c) => {
                    assert.equal((await versions(c, 'flyway_schema_history')).includes(ourHead), true,
                        `our V${ourHead} applied again`);
                    assert.deepStrictEqual(await versions(c, TEAM_HISTORY), ['0', '1', '2'], 'theirs untouched');
                });
                assert.equal((await schemaTask('validate', database, teamEnv)).code, 0);

                // a wrong mount stops the task instead of passing as "nothing to do"
                const missing = await schemaTask('migrate', database, { RXSYNC_MIGRATIONS_DIR: path.join(dir, 'nope') });
                assert.notEqual(missing.code, 0, show(missing));
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
                await withPg('postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
            }
        }));
});
