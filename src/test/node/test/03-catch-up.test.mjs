// Scenario 3: catch-up. Client B is away while 5,000 changes happen (3,000 inserts, then
// 1,500 updates and 500 deletes of them, pushed over HTTP in batches of 1,000), and writes
// 300 orders itself meanwhile. When B comes back it pushes its writes (in parallel batches
// of 25) and pulls everything in batches, and ends equal to the server. Client A stays
// live the whole time and must converge through the stream as well.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fullPull, getSchema, http, newOrder, registerUser, startEnv, withLogs } from '../lib/harness.mjs';
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
const OFFLINE = 300;

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
    // B pushes in small batches, which RxDB sends in parallel
    const B = await createClient({ kind, base: env.base, token: user.token, schema, label: 'B', pushBatchSize: 25 });
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
    // meanwhile B writes 300 orders offline
    const offline = Array.from({ length: OFFLINE }, (_, i) => newOrder(user.userId, { note: `B offline ${i}` }));
    await B.col.bulkInsert(offline);
    const pushesBefore = B.stats.pushes.length;

    // B comes back and catches up by pulling
    const t0 = Date.now();
    await B.start();
    await B.awaitInSync();
    const rows = await awaitConverged({ pool: env.pool, base: env.base, user, clients: [B] }, { timeout: 60_000 });
    const catchUpMs = Date.now() - t0;
    assert.equal(rows.length, INSERTS + 1 + OFFLINE);
    assert.equal(rows.filter((r) => r._deleted).length, DELETES);
    assert.equal((await B.docs()).length, INSERTS + 1 + OFFLINE - DELETES);
    const pushes = B.stats.pushes.slice(pushesBefore);
    assert.ok(pushes.length >= OFFLINE / 25, `B pushed its offline writes in ${pushes.length} batches`);
    assert.ok(pushes.every((p) => p.rows <= 25 && p.conflicts === 0), 'offline inserts never conflict');

    // it pulled in batches: full pages of exactly batchSize, then a short page
    const pulls = B.stats.pulls.slice(pullsBefore).filter((p) => p.returned !== undefined);
    const withDocs = pulls.filter((p) => p.returned > 0);
    assert.ok(withDocs.length >= Math.ceil(INSERTS / 100),
        `expected at least ${Math.ceil(INSERTS / 100)} pulls with documents, got ${withDocs.length}`);
    let shortInTheMiddle = 0;
    for (const [i, p] of withDocs.entries()) {
        assert.ok(p.returned <= p.batchSize, 'a pull never returns more than its limit');
        // a short page tells the client it is caught up; B's own pushes running alongside
        // may legitimately cut an iteration short once or twice, not more
        if (i < withDocs.length - 1 && p.returned < p.batchSize) shortInTheMiddle++;
        assert.ok(p.checkpoint == null || cmpCp(p.nextCheckpoint, p.checkpoint) > 0,
            `a page's checkpoint must move forward: ${JSON.stringify(p.checkpoint)} -> ${JSON.stringify(p.nextCheckpoint)}`);
    }
    assert.ok(shortInTheMiddle <= 2, `${shortInTheMiddle} short pages in the middle of the catch-up`);
    // with nothing written concurrently, every page but the last is exactly full
    const raw = await fullPull(env.base, user.token, 'orders', 100);
    assert.deepStrictEqual(raw.pageSizes.slice(0, -1), Array(raw.pageSizes.length - 1).fill(100));
    assert.ok(raw.pageSizes.at(-1) < 100);
    const received = withDocs.reduce((n, p) => n + p.returned, 0);
    assert.ok(received >= INSERTS, `B pulled ${received} documents`);
    assert.ok(B.stats.pulls.slice(pullsBefore).length < 2 * withDocs.length + 10, 'no pull storm');

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
