// Scenario 20: the database misbehaves under live clients.
// - A push's connection is killed mid-statement (pg_terminate_backend on our own test
//   database only): the client's retry succeeds and each document is stored once.
// - The LISTEN connections drop: the pumps reconnect and nothing written meanwhile is
//   missed. The pumps' timer is switched off here, so what is shown is the reconnect
//   catching up (the timer is a second safety net).
// - PostgreSQL restarts (a private cluster of this test's own; the machine's shared one is
//   never touched): readiness goes DOWN then UP, open streams are closed, clients hold
//   their writes, resume and converge.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    getSchema, http, newOrder, openRawStream, realFetch, registerUser, requestLog, serverOrders, sleep, startEnv,
    waitFor, withLogs,
} from '../lib/harness.mjs';
import { createClient, KINDS } from '../lib/clients.mjs';
import { awaitConverged, awaitDoc } from '../lib/assertions.mjs';
import { PrivateCluster } from '../lib/private-cluster.mjs';

const clients = [];
after(async () => { await Promise.allSettled(clients.map((c) => c.close())); });

async function newClient(base, user, kind, label) {
    const schema = await getSchema(base, user.token);
    const c = await createClient({ kind, base, token: user.token, schema, label, retryTime: 500 });
    clients.push(c);
    await c.start();
    return c;
}

const readiness = async (base) => (await realFetch(`${base}/q/health/ready`).catch(() => ({ status: 0 }))).status;

describe('faults on the shared PostgreSQL (own database only)', () => {
    let env;
    before(async () => {
        // timer off: changes reach the other instance through LISTEN/NOTIFY or the reconnect only
        env = await startEnv({ name: 'faults', instances: 2, props: { 'rxsync.stream.poll-interval': 'PT1H' } });
    });
    after(async () => { if (env) await env.close(); });

    test('a connection killed mid-push: the client retries and each document is stored once', withLogs(async () => {
        const user = await registerUser(env.base, 'killed');
        const A = await newClient(env.servers[0].base, user, KINDS[0], 'A');
        const o = newOrder(user.userId, { note: 'killed mid-push' });
        const p = newOrder(user.userId, { note: 'same batch' });

        // A writer holding o's id: the push's INSERT waits on it, and is killed while it waits.
        const t0 = Date.now();
        const blocker = await env.pool.connect();
        try {
            await blocker.query('BEGIN');
            await blocker.query(`INSERT INTO orders (id, user_id, status, total_cents, currency)
                                 VALUES ($1, $2, 'pending', 1, 'EUR')`, [o.id, user.userId]);
            const blockerPid = (await blocker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
            await A.col.bulkInsert([o, p]);
            const victim = await waitFor(async () => (await env.pool.query(
                `SELECT pid FROM pg_stat_activity
                  WHERE datname = $1 AND pid <> $2 AND wait_event_type = 'Lock' AND query ~* '^INSERT INTO (public\.)?orders '`, // the catalog names the table schema-qualified
                [env.database, blockerPid])).rows[0]?.pid, { what: 'the push to wait on the held id' });
            const killed = await env.pool.query('SELECT pg_terminate_backend($1) AS ok', [victim]);
            assert.equal(killed.rows[0].ok, true);
            await blocker.query('ROLLBACK');
        } finally {
            blocker.release();
        }

        await waitFor(async () => (await serverOrders(env.pool, user.userId)).length === 2,
            { timeout: 20_000, what: 'the retried push to store both documents' });
        await A.awaitInSync();
        const rows = await awaitConverged({ pool: env.pool, base: env.base, user, clients: [A] });
        assert.deepStrictEqual(rows.map((r) => r.id).sort(), [o.id, p.id].sort(), 'each document exactly once');
        assert.ok(A.stats.pushes.length >= 2, 'the first push failed and was retried');
        assert.ok(requestLog.some((e) => e.at >= t0 && e.url.endsWith('/push') && e.status === 503),
            'the killed push was answered 503 (retry), not 500');
        const failed = await env.pool.query('SELECT count(*)::int AS n FROM orders WHERE id = ANY($1)', [[o.id, p.id]]);
        assert.equal(failed.rows[0].n, 2);
    }));

    test('the LISTEN connections drop: the pumps reconnect and no change is missed', withLogs(async () => {
        const user = await registerUser(env.base, 'listen');
        const A = await newClient(env.servers[0].base, user, KINDS[0], 'A');
        const B = await newClient(env.servers[1].base, user, KINDS[1 % KINDS.length], 'B');
        const listeners = async () => (await env.pool.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN%'", [env.database]))
            .rows.map((r) => r.pid);
        const o = newOrder(user.userId, { note: 'before the drop' });
        await A.col.insert(o);
        await awaitDoc(B, o.id, () => true, { what: 'B to receive a change through LISTEN' });
        const before = await listeners();
        assert.equal(before.length, 2, 'one LISTEN connection per instance');

        await env.pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY($1)', [before]);
        const p = newOrder(user.userId, { note: 'while not listening' });
        await A.col.insert(p);
        await awaitDoc(B, p.id, () => true, { timeout: 20_000, what: 'B to receive the change made while LISTEN was down' });
        const again = await waitFor(async () => {
            const now = await listeners();
            return now.length === 2 && now.every((pid) => !before.includes(pid)) ? now : null;
        }, { timeout: 20_000, what: 'both instances to LISTEN again' });
        assert.equal(again.length, 2);
        await waitFor(async () => (await readiness(env.servers[1].base)) === 200, { what: 'instance 2 ready' });

        // live again through the new LISTEN connection (the timer is off)
        const q = newOrder(user.userId, { note: 'after the reconnect' });
        await A.col.insert(q);
        await awaitDoc(B, q.id, () => true, { timeout: 20_000, what: 'B to receive a change through the new LISTEN' });
        await awaitConverged({ pool: env.pool, base: env.base, user, clients: [A, B] });
    }));
});

describe('PostgreSQL restarts (a private cluster)', () => {
    let cluster;
    let env;
    before(async () => {
        cluster = await PrivateCluster.create();
        await cluster.start();
        env = await startEnv({ name: 'pgrestart', pg: cluster.pg });
    });
    after(async () => {
        if (env) await env.close();
        if (cluster) await cluster.destroy();
    });

    test('readiness goes DOWN and UP, streams close, clients resume and converge', withLogs(async () => {
        const user = await registerUser(env.base, 'pgrestart');
        const A = await newClient(env.base, user, KINDS[0], 'A');
        const B = await newClient(env.base, user, KINDS[1 % KINDS.length], 'B');
        const o = newOrder(user.userId, { note: 'before the restart' });
        await A.col.insert(o);
        await awaitDoc(B, o.id);
        await A.awaitInSync();
        const raw = await openRawStream(env.base, user.token);
        assert.equal(raw.res.status, 200);
        assert.equal(await readiness(env.base), 200);

        await cluster.stop();
        await waitFor(async () => (await readiness(env.base)) === 503, { timeout: 30_000, what: 'readiness DOWN' });
        await waitFor(() => raw.ended, { timeout: 30_000, what: 'the server to close the open stream' });
        const down = await http(env.base, 'GET', '/api/v1/sync/orders/0/pull?lwt=0&id=&limit=10', { token: user.token });
        assert.equal(down.status, 503, down.text);
        assert.equal(down.body.error, true);
        assert.ok(Number(down.headers.get('retry-after')) > 0, 'Retry-After');
        // the clients keep working offline-first meanwhile
        const p = newOrder(user.userId, { note: 'A while the database was down' });
        await A.col.insert(p);
        await (await B.col.findOne(o.id).exec()).incrementalPatch({ status: 'paid', note: 'B while the database was down' });
        await sleep(1500); // let them fail at least once

        await cluster.start();
        await waitFor(async () => (await readiness(env.base)) === 200, { timeout: 60_000, what: 'readiness UP' });
        await awaitDoc(B, p.id, () => true, { timeout: 30_000, what: "B to receive A's write" });
        await awaitDoc(A, o.id, (d) => d.status === 'paid', { timeout: 30_000, what: "A to receive B's write" });
        const rows = await awaitConverged({ pool: env.pool, base: env.base, user, clients: [A, B] }, { timeout: 30_000 });
        assert.equal(rows.length, 2);

        // and live again: a new change streams through
        const r = newOrder(user.userId, { note: 'after the restart' });
        await B.col.insert(r);
        await awaitDoc(A, r.id, () => true, { timeout: 20_000, what: 'A to receive a live change after the restart' });
        await raw.close();
    }));
});
