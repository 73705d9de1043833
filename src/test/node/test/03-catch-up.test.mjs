// Scenario 3: catch-up. Client B is away while 5,000 changes happen (3,000 inserts, then
// 1,500 updates and 500 deletes of them, pushed over HTTP in batches of 1,000). When B
// comes back it pulls everything in batches and ends equal to the server. Client A stays
// live the whole time and must converge through the stream as well.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getSchema, http, newOrder, registerUser, startEnv, withLogs } from '../lib/harness.mjs';
import { createClient, KINDS } from '../lib/clients.mjs';
import { assertNoErrors, awaitConverged } from '../lib/assertions.mjs';

let env;
const clients = [];
before(async () => { env = await startEnv({ name: 'catchup' }); });
after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (env) await env.close();
});

const INSERTS = 3000;
const UPDATES = 1500;
const DELETES = 500;

async function pushAll(user, rows) {
    for (let i = 0; i < rows.length; i += 1000) {
        const res = await http(env.base, 'POST', '/api/v1/sync/orders/0/push',
            { token: user.token, body: rows.slice(i, i + 1000) });
        assert.equal(res.status, 200, res.text);
        assert.deepStrictEqual(res.body, [], 'no conflicts expected');
    }
}

const cmpCp = (a, b) => (a.lwt !== b.lwt ? a.lwt - b.lwt : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

async function catchUp(kind) {
    const user = await registerUser(env.base, 'catchup');
    const schema = await getSchema(env.base, user.token);
    const A = await createClient({ kind, base: env.base, token: user.token, schema, label: 'A' });
    const B = await createClient({ kind, base: env.base, token: user.token, schema, label: 'B' });
    clients.push(A, B);
    await A.start();
    await B.start();
    // B holds one document before it goes away
    const first = newOrder(user.userId, { note: 'before' });
    await B.col.insert(first);
    await B.awaitInSync();
    await B.stop();
    const pullsBefore = B.stats.pulls.length;

    const docs = [];
    for (let i = 0; i < INSERTS; i++) {
        docs.push(newOrder(user.userId, { totalCents: i, note: `bulk ${i}`, metadata: { i } }));
    }
    await pushAll(user, docs.map((d) => ({ newDocumentState: { ...d, _deleted: false } })));
    const changes = [];
    for (let i = 0; i < UPDATES; i++) {
        const d = docs[i];
        changes.push({
            assumedMasterState: { ...d, _deleted: false },
            newDocumentState: { ...d, status: 'paid', totalCents: d.totalCents + 1, note: `updated ${i}`, _deleted: false },
        });
    }
    for (let i = UPDATES; i < UPDATES + DELETES; i++) {
        const d = docs[i];
        changes.push({ assumedMasterState: { ...d, _deleted: false }, newDocumentState: { ...d, _deleted: true } });
    }
    await pushAll(user, changes);

    // B comes back and catches up by pulling
    const t0 = Date.now();
    await B.start();
    await B.awaitInSync();
    const rows = await awaitConverged({ pool: env.pool, base: env.base, user, clients: [B] }, { timeout: 60_000 });
    const catchUpMs = Date.now() - t0;
    assert.equal(rows.length, INSERTS + 1);
    assert.equal(rows.filter((r) => r._deleted).length, DELETES);
    assert.equal((await B.docs()).length, INSERTS + 1 - DELETES);

    // it pulled in batches: full pages of exactly batchSize, then a short page
    const pulls = B.stats.pulls.slice(pullsBefore).filter((p) => p.returned !== undefined);
    const withDocs = pulls.filter((p) => p.returned > 0);
    assert.ok(withDocs.length >= Math.ceil(INSERTS / 100),
        `expected at least ${Math.ceil(INSERTS / 100)} pulls with documents, got ${withDocs.length}`);
    for (const p of withDocs) {
        assert.ok(p.returned <= p.batchSize, 'a pull never returns more than its limit');
        assert.ok(p.checkpoint == null || cmpCp(p.nextCheckpoint, p.checkpoint) > 0,
            `a page's checkpoint must move forward: ${JSON.stringify(p.checkpoint)} -> ${JSON.stringify(p.nextCheckpoint)}`);
    }
    const received = withDocs.reduce((n, p) => n + p.returned, 0);
    assert.ok(received >= INSERTS, `B pulled ${received} documents`);

    // A was live all along
    await awaitConverged({ pool: env.pool, base: env.base, user, clients: [A] }, { timeout: 60_000 });
    assertNoErrors([A, B]);
    console.log(`[catch-up ${kind}] ${withDocs.length} pulls with documents, ${received} docs, `
        + `${catchUpMs} ms; A got ${A.stats.streamEvents} stream frames`);
}

describe('a client away during 5,000 changes catches up', () => {
    for (const kind of KINDS) {
        test(`${kind}: pulls every change in batches and equals the server`, withLogs(() => catchUp(kind)));
    }
});
