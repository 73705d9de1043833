// Scenario 8: awkward values. Non-uuid ids and invalid fields get a clear 400 and write
// nothing; numbers compare by value in conflict checks (100.0 equals 100) and objects
// regardless of key order; a re-sent batch is harmless; a synced client does not keep
// pulling (no endless re-pull) while the stream only sends heartbeats.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    fullPull, getSchema, http, newOrder, registerUser, serverOrders, sleep, startEnv, withLogs,
} from '../lib/harness.mjs';
import { createClient, KINDS } from '../lib/clients.mjs';
import { assertNoErrors, awaitConverged, awaitDoc } from '../lib/assertions.mjs';

let env;
let user;
const clients = [];
const PUSH = '/api/v1/sync/orders/0/push';
before(async () => {
    env = await startEnv({ name: 'awkward' });
    user = await registerUser(env.base, 'awkward');
});
after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (env) await env.close();
});

const push = (body, token = user.token) => http(env.base, 'POST', PUSH, { token, body });
const pushRaw = (rawBody) => http(env.base, 'POST', PUSH, { token: user.token, rawBody });

function assertError(res, status, what, messagePattern) {
    assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status} ${res.text}`);
    assert.ok(res.body && typeof res.body === 'object', `${what}: JSON error body expected, got ${res.text}`);
    assert.equal(res.body.error, true, `${what}: "error": true expected in ${res.text}`);
    assert.equal(res.body.code, status, `${what}: "code" expected in ${res.text}`);
    assert.equal(typeof res.body.message, 'string');
    assert.ok(res.body.message.length > 0, `${what}: a message saying why`);
    if (messagePattern) assert.match(res.body.message, messagePattern, `${what}: message`);
}

describe('awkward values over HTTP', () => {
    test('non-uuid order ids are refused with a clear 400 and write nothing', withLogs(async () => {
        const base = newOrder(user.userId);
        const badIds = {
            'plain string': 'order-1',
            'upper-case uuid': crypto.randomUUID().toUpperCase(),
            'uuid in braces': `{${crypto.randomUUID()}}`,
            'uuid without dashes': crypto.randomUUID().replace(/-/g, ''),
            'empty string': '',
            'uuid with spaces': ` ${crypto.randomUUID()} `,
            number: 12345,
        };
        for (const [what, id] of Object.entries(badIds)) {
            const res = await push([{ newDocumentState: { ...base, id, _deleted: false } }]);
            assertError(res, 400, `id ${what}`, /id/i);
        }
        // one bad row spoils the batch: the good row is not written either
        const good = newOrder(user.userId);
        const res = await push([
            { newDocumentState: { ...good, _deleted: false } },
            { newDocumentState: { ...base, id: 'nope', _deleted: false } },
        ]);
        assertError(res, 400, 'batch with one bad id');
        assert.deepStrictEqual(await serverOrders(env.pool, user.userId), []);
    }));

    test('invalid fields and malformed requests get 400 with a JSON error body', withLogs(async () => {
        const o = newOrder(user.userId);
        const bad = {
            'negative totalCents': { totalCents: -1 },
            'fractional totalCents': { totalCents: 10.5 },
            'string totalCents': { totalCents: '100' },
            'lower-case currency': { currency: 'eur' },
            'unknown status': { status: 'lost' },
            'note over 1000 chars': { note: 'x'.repeat(1001) },
            'metadata not an object': { metadata: [1, 2] },
            'missing status': { status: undefined },
        };
        for (const [what, patch] of Object.entries(bad)) {
            const res = await push([{ newDocumentState: { ...o, ...patch, _deleted: false } }]);
            assertError(res, 400, what);
        }
        assertError(await pushRaw('[{"newDocumentState": '), 400, 'truncated JSON');
        assertError(await pushRaw('{"newDocumentState": {}}'), 400, 'body not an array');
        const pull = (q) => http(env.base, 'GET', `/api/v1/sync/orders/0/pull${q}`, { token: user.token });
        assertError(await pull('?lwt=abc&id=&limit=10'), 400, 'lwt not a number');
        assertError(await pull('?lwt=0&id=&limit=0'), 400, 'limit 0');
        assertError(await pull('?lwt=0&id=&limit=1000000'), 400, 'limit too large');
        assertError(await pull('?lwt=-1&id=&limit=10'), 400, 'negative lwt');
        assert.deepStrictEqual(await serverOrders(env.pool, user.userId), []);
        // a decimal lwt, as a client may send one, is accepted
        const ok = await pull('?lwt=0.0&id=&limit=10');
        assert.equal(ok.status, 200, ok.text);
        assertError(await http(env.base, 'GET', '/api/v1/sync/orders/0/pull?lwt=0&id=&limit=10'), 401, 'no token');
        assertError(await http(env.base, 'GET', '/api/v1/sync/orders/0/pull?lwt=0&id=&limit=10',
            { token: `${user.token}x` }), 401, 'bad token');
        assertError(await http(env.base, 'GET', '/api/v1/sync/nothing/0/pull?lwt=0&id=&limit=10',
            { token: user.token }), 404, 'unknown collection');
    }));

    test('a push of more rows than allowed gets 413 with a JSON error body', withLogs(async () => {
        const rows = Array.from({ length: 1001 }, () => ({ newDocumentState: { ...newOrder(user.userId), _deleted: false } }));
        assertError(await push(rows), 413, '1001 rows');
        assert.deepStrictEqual(await serverOrders(env.pool, user.userId), []);
    }));

    test('a body over the size limit gets 413 with a JSON error body', withLogs(async () => {
        const big = { ...newOrder(user.userId), metadata: { big: 'x'.repeat(5 * 1024 * 1024) }, _deleted: false };
        assertError(await push([{ newDocumentState: big }]), 413, '5 MiB body');
        assert.deepStrictEqual(await serverOrders(env.pool, user.userId), []);
    }));

    test('a document deleted and then re-created with the same id comes back', withLogs(async () => {
        const o = { ...newOrder(user.userId, { note: 'phoenix' }), _deleted: false };
        assert.deepStrictEqual((await push([{ newDocumentState: o }])).body, []);
        assert.deepStrictEqual((await push([{ assumedMasterState: o, newDocumentState: { ...o, _deleted: true } }])).body, []);
        const back = { ...o, note: 'risen', _deleted: false };
        assert.deepStrictEqual((await push([{ assumedMasterState: { ...o, _deleted: true }, newDocumentState: back }])).body, []);
        const rows = (await serverOrders(env.pool, user.userId)).filter((r) => r.id === o.id);
        assert.deepStrictEqual(rows, [back]);
        // server-internal fields a client might carry are never stored nor echoed
        const p = newOrder(user.userId);
        const res = await push([{ newDocumentState: { ...p, _rev: '1-abc', _meta: { lwt: 1 }, _attachments: {}, _deleted: false } }]);
        assert.equal(res.status, 200, res.text);
        const pulled = (await fullPull(env.base, user.token)).docs.find((d) => d.id === p.id);
        assert.deepStrictEqual(pulled, { ...p, _deleted: false });
    }));

    test('numbers compare by value: an assumed state with 100.0 matches a stored 100', withLogs(async () => {
        const o = newOrder(user.userId, { totalCents: 100, metadata: { n: 1.0, a: 2, b: { c: 3 } } });
        let res = await push([{ newDocumentState: { ...o, _deleted: false } }]);
        assert.equal(res.status, 200, res.text);
        assert.deepStrictEqual(res.body, []);
        // JSON.stringify would print 100.0 as 100, so write the body by hand
        const raw = `[{"assumedMasterState":{"id":"${o.id}","userId":"${o.userId}","status":"pending",`
            + `"totalCents":100.0,"currency":"EUR","metadata":{"b":{"c":3.00},"a":2.0,"n":1},"_deleted":false},`
            + `"newDocumentState":{"id":"${o.id}","userId":"${o.userId}","status":"paid",`
            + `"totalCents":100.0,"currency":"EUR","metadata":{"n":1,"a":2,"b":{"c":3}},"_deleted":false}}]`;
        res = await pushRaw(raw);
        assert.equal(res.status, 200, res.text);
        assert.deepStrictEqual(res.body, [], '100.0 vs 100 (and key order, 3.00 vs 3) must not be a conflict');
        const row = (await serverOrders(env.pool, user.userId)).find((r) => r.id === o.id);
        assert.equal(row.status, 'paid', 'the new state was written');
        assert.equal(row.totalCents, 100);
        // and a different value still is a conflict, answered with the server's state
        res = await push([{
            assumedMasterState: { ...o, totalCents: 101, _deleted: false },
            newDocumentState: { ...o, status: 'shipped', _deleted: false },
        }]);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.length, 1);
        assert.deepStrictEqual(res.body[0], { ...o, status: 'paid', _deleted: false });
        // a missing key is not equal to a present one
        res = await push([{
            assumedMasterState: { ...o, status: 'paid', note: '', _deleted: false },
            newDocumentState: { ...o, status: 'shipped', _deleted: false },
        }]);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.length, 1, 'assumed state with an extra key must conflict');
    }));

    test('re-sending the same batch is harmless', withLogs(async () => {
        const o = newOrder(user.userId, { note: 'resend' });
        const batch = [{ newDocumentState: { ...o, _deleted: false } }];
        const first = await push(batch);
        assert.equal(first.status, 200, first.text);
        assert.deepStrictEqual(first.body, []);
        const again = await push(batch);
        assert.equal(again.status, 200, again.text);
        // the insert now meets an existing, identical doc: either accepted as a no-op or
        // reported as a conflict carrying that same content; both are harmless to a client
        assert.ok(again.body.length === 0 || (again.body.length === 1
            && assert.deepStrictEqual(again.body[0], { ...o, _deleted: false }) === undefined),
        `re-sent insert answered ${again.text}`);
        const upd = [{ assumedMasterState: { ...o, _deleted: false }, newDocumentState: { ...o, status: 'paid', _deleted: false } }];
        assert.deepStrictEqual((await push(upd)).body, []);
        const upd2 = await push(upd);
        assert.equal(upd2.status, 200);
        assert.ok(upd2.body.length === 0 || (upd2.body.length === 1
            && assert.deepStrictEqual(upd2.body[0], { ...o, status: 'paid', _deleted: false }) === undefined),
        `re-sent update answered ${upd2.text}`);
        console.log(`[awkward] re-sent insert answered ${again.text.length > 2 ? 'a conflict' : '[]'}, `
            + `re-sent update answered ${upd2.text.length > 2 ? 'a conflict' : '[]'}`);
        const rows = (await serverOrders(env.pool, user.userId)).filter((r) => r.id === o.id);
        assert.deepStrictEqual(rows, [{ ...o, status: 'paid', _deleted: false }]);
    }));
});

async function noEndlessRepull(kind) {
    const u = await registerUser(env.base, 'repull');
    const schema = await getSchema(env.base, u.token);
    const A = await createClient({ kind, base: env.base, token: u.token, schema, label: 'A' });
    const B = await createClient({ kind, base: env.base, token: u.token, schema, label: 'B' });
    clients.push(A, B);
    await A.start();
    await B.start();
    const docs = Array.from({ length: 150 }, (_, i) => newOrder(u.userId, { totalCents: i * 100, metadata: { x: 1.5 } }));
    await A.col.bulkInsert(docs);
    await A.awaitInSync();
    await awaitDoc(B, docs[149].id);
    const last = await A.col.findOne(docs[0].id).exec();
    await last.incrementalPatch({ totalCents: 100 });
    await awaitDoc(B, docs[0].id, (d) => d.totalCents === 100);
    await A.awaitInSync();
    await B.awaitInSync();
    await awaitConverged({ pool: env.pool, base: env.base, user: u, clients: [A, B] });

    // quiet period: two heartbeat intervals pass; nobody pulls or pushes
    const counts = (c) => ({ pulls: c.stats.pulls.length, pushes: c.stats.pushes.length, frames: c.stats.streamEvents });
    const beforeA = counts(A);
    const beforeB = counts(B);
    await sleep(5000);
    assert.deepStrictEqual(counts(A), beforeA, `${kind}: A kept talking to the server while idle`);
    assert.deepStrictEqual(counts(B), beforeB, `${kind}: B kept talking to the server while idle`);
    // the last pull ended on an empty or short page and its checkpoint is where the stream left it
    for (const c of [A, B]) {
        const lastPull = c.stats.pulls.at(-1);
        assert.ok(lastPull.returned < lastPull.batchSize, 'the last pull of an iteration is a short page');
        assert.ok(c.stats.pulls.length < 20, `${c.label} made ${c.stats.pulls.length} pulls for 150 docs`);
    }
    const server = await fullPull(env.base, u.token);
    const lastCp = B.stats.pulls.filter((p) => p.nextCheckpoint).at(-1).nextCheckpoint;
    assert.ok(lastCp.lwt <= server.checkpoint.lwt);
    assert.equal(A.stats.conflicts.length + B.stats.conflicts.length, 0);
    assertNoErrors([A, B]);
}

describe('synced clients go quiet', () => {
    for (const kind of KINDS) {
        test(`${kind}: no endless re-pull after sync`, withLogs(() => noEndlessRepull(kind)));
    }
});
