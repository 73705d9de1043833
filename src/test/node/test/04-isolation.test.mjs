// Scenario 4: isolation between users. User C never receives A's documents (pull, stream,
// local storage); C pushing a document with A's id, or naming A as owner, is refused with
// 403, the response does not contain A's data and nothing is written.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    fullPull, getSchema, http, newOrder, openRawStream, registerUser, serverOrders, sleep, startEnv, waitFor, withLogs,
} from '../lib/harness.mjs';
import { createClient, KINDS } from '../lib/clients.mjs';
import { assertNoErrors, awaitConverged, awaitDoc } from '../lib/assertions.mjs';

let env;
const clients = [];
before(async () => { env = await startEnv({ name: 'isolation' }); });
after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (env) await env.close();
});

const SECRET = 'secret-of-A-7f3e';

function assertNoLeak(text, a, aOrders) {
    assert.ok(!text.includes(SECRET), `response leaks A's note: ${text}`);
    assert.ok(!text.includes(a.userId), `response leaks A's userId: ${text}`);
    assert.ok(!text.includes(a.email), `response leaks A's email: ${text}`);
    for (const o of aOrders) assert.ok(!text.includes(`"totalCents":${o.totalCents}`), `response leaks A's total: ${text}`);
}

async function isolation(kind) {
    const a = await registerUser(env.base, 'alice');
    const c = await registerUser(env.base, 'carol');
    const schema = await getSchema(env.base, a.token);
    const A = await createClient({ kind, base: env.base, token: a.token, schema, label: 'A' });
    const C = await createClient({ kind, base: env.base, token: c.token, schema, label: 'C' });
    clients.push(A, C);
    await A.start();
    await C.start();
    await C.awaitInSync();

    // a marker doc of C's own, written after A's docs, proves C's stream is flowing
    const aOrders = [0, 1, 2].map((i) => newOrder(a.userId, { note: `${SECRET} ${i}`, totalCents: 987650 + i }));
    for (const o of aOrders) await A.col.insert(o);
    await A.awaitInSync();
    const cOwn = newOrder(c.userId, { note: 'carol own' });
    const res0 = await http(env.base, 'POST', '/api/v1/sync/orders/0/push',
        { token: c.token, body: [{ newDocumentState: { ...cOwn, _deleted: false } }] });
    assert.equal(res0.status, 200, res0.text);
    await awaitDoc(C, cOwn.id, () => true, { what: "C to receive its own doc through the stream" });
    // also an update of A's doc after C's marker
    await (await A.col.findOne(aOrders[0].id).exec()).incrementalPatch({ status: 'paid' });
    await A.awaitInSync();
    await sleep(300);

    const aIds = new Set(aOrders.map((o) => o.id));
    assert.deepStrictEqual((await C.docs()).map((d) => d.id), [cOwn.id], 'C sees only its own order');
    assert.deepStrictEqual(await C.stored([...aIds]), [], "C's storage holds none of A's ids");
    for (const id of aIds) {
        assert.ok(!C.stats.streamIds.has(id), "C's stream carried one of A's docs");
        assert.ok(!C.stats.pulledIds.has(id), "C's pull returned one of A's docs");
    }
    const pulled = await fullPull(env.base, c.token);
    assert.deepStrictEqual(pulled.docs.map((d) => d.id), [cOwn.id]);
    const users = await fullPull(env.base, c.token, 'users');
    assert.deepStrictEqual(users.docs.map((d) => d.id), [c.userId], 'C pulls only its own profile');

    // raw pushes that touch A's data are refused with 403, without A's data in the body
    const before = await serverOrders(env.pool, a.userId);
    const victim = aOrders[1];
    const attempts = {
        'A\'s id, C as owner, no assumed state': [{ newDocumentState: { ...victim, userId: c.userId, note: 'hijack', _deleted: false } }],
        'A\'s id, C as owner, guessed assumed state': [{
            assumedMasterState: { ...victim, userId: c.userId, _deleted: false },
            newDocumentState: { ...victim, userId: c.userId, note: 'hijack', _deleted: false },
        }],
        'A\'s id and A as owner, exact assumed state': [{
            assumedMasterState: { ...victim, _deleted: false },
            newDocumentState: { ...victim, note: 'hijack', _deleted: false },
        }],
        'A\'s id, delete': [{ assumedMasterState: { ...victim, _deleted: false }, newDocumentState: { ...victim, _deleted: true } }],
        'new id, A as owner': [{ newDocumentState: { ...newOrder(a.userId), _deleted: false } }],
        'own doc plus A\'s id in one batch': [
            { newDocumentState: { ...newOrder(c.userId), _deleted: false } },
            { newDocumentState: { ...victim, userId: c.userId, _deleted: false } },
        ],
    };
    for (const [what, body] of Object.entries(attempts)) {
        const res = await http(env.base, 'POST', '/api/v1/sync/orders/0/push', { token: c.token, body });
        assert.equal(res.status, 403, `${what}: expected 403, got ${res.status} ${res.text}`);
        assert.equal(res.body && res.body.error, true, `${what}: error body ${res.text}`);
        assert.equal(res.body.code, 403);
        assertNoLeak(res.text, a, aOrders);
    }
    assert.deepStrictEqual(await serverOrders(env.pool, a.userId), before, "A's rows are unchanged");
    assert.deepStrictEqual((await fullPull(env.base, c.token)).docs.map((d) => d.id), [cOwn.id],
        'a refused batch writes nothing, not even its allowed rows');

    // through the client: C writes a doc with A's id; the push is refused, A's doc untouched
    await C.col.insert({ ...victim, userId: c.userId, note: 'hijack via client' });
    await waitFor(() => C.errors.length > 0 || C.rep.isStopped(), { what: "C's client to hit the refusal" });
    if (kind.startsWith('official')) {
        // rxdb-server's client cancels the replication on 403 (forbidden$)
        await waitFor(() => C.rep.isStopped(), { what: 'official client to stop on 403' });
    } else {
        assert.match(String(C.errors[0].parameters?.errors?.[0]?.message ?? C.errors[0].message), /403/);
    }
    assert.deepStrictEqual(await serverOrders(env.pool, a.userId), before, "A's rows are unchanged");
    await awaitConverged({ pool: env.pool, base: env.base, user: a, clients: [A] });
    assertNoErrors([A]);
    await C.stop();
}

describe('users are isolated from each other', () => {
    for (const kind of KINDS) {
        test(`${kind}: C never receives A's orders and cannot write them`, withLogs(() => isolation(kind)));
    }
});

describe('stream fan-out', () => {
    test('20 users streaming at once each receive exactly their own changes', withLogs(async () => {
        const users = await Promise.all(Array.from({ length: 20 }, (_, i) => registerUser(env.base, `fan${i}`)));
        const streams = await Promise.all(users.map((u) => openRawStream(env.base, u.token)));
        try {
            for (const s of streams) assert.equal(s.res.status, 200);
            await sleep(300);
            const mine = new Map();
            await Promise.all(users.map(async (u) => {
                const docs = [0, 1, 2].map((k) => ({ ...newOrder(u.userId, { note: `${u.email} ${k}` }), _deleted: false }));
                mine.set(u.userId, new Set(docs.map((d) => d.id)));
                for (const d of docs) {
                    const res = await http(env.base, 'POST', '/api/v1/sync/orders/0/push',
                        { token: u.token, body: [{ newDocumentState: d }] });
                    assert.equal(res.status, 200, res.text);
                }
            }));
            await waitFor(() => streams.every((s, i) => {
                const ids = new Set(s.frames.flatMap((f) => f.data.documents.map((d) => d.id)));
                return [...mine.get(users[i].userId)].every((id) => ids.has(id));
            }), { what: 'every stream to carry its own 3 docs' });
            streams.forEach((s, i) => {
                const docs = s.frames.flatMap((f) => f.data.documents);
                const foreign = docs.filter((d) => d.userId !== users[i].userId);
                assert.deepStrictEqual(foreign, [], `user ${i}'s stream carried other users' documents`);
            });
        } finally {
            await Promise.all(streams.map((s) => s.close()));
        }
    }));
});
