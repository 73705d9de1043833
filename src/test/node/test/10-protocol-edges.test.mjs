// Protocol edges beyond the main scenarios: a transaction that commits after a later one
// must not be skipped by checkpoints; the raw SSE stream's framing (headers, heartbeats,
// unnamed data frames, 401 before streaming); several client kinds of one user writing
// concurrently converge.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import {
    getSchema, http, newOrder, openRawStream, PG, realFetch, registerUser, sleep, startEnv, waitFor, withLogs,
} from '../lib/harness.mjs';
import { createClient, KINDS } from '../lib/clients.mjs';
import { assertGaplessStream, assertNoErrors, awaitConverged, awaitDoc } from '../lib/assertions.mjs';

let env;
const clients = [];
before(async () => { env = await startEnv({ name: 'edges' }); });
after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (env) await env.close();
});

const pushDocs = async (token, docs) => {
    const res = await http(env.base, 'POST', '/api/v1/sync/orders/0/push',
        { token, body: docs.map((d) => ({ newDocumentState: { ...d, _deleted: false } })) });
    assert.equal(res.status, 200, res.text);
    assert.deepStrictEqual(res.body, []);
};
const pull = async (token, cp, limit = 100) => {
    const res = await http(env.base, 'GET',
        `/api/v1/sync/orders/0/pull?lwt=${cp.lwt}&id=${encodeURIComponent(cp.id)}&limit=${limit}`, { token });
    assert.equal(res.status, 200, res.text);
    return res.body;
};

describe('checkpoints and commit order', () => {
    test('a change committed after a later one is still delivered (pull and live clients)', withLogs(async () => {
        const u = await registerUser(env.base, 'order');
        const schema = await getSchema(env.base, u.token);
        const live = [];
        for (const kind of KINDS) {
            const c = await createClient({ kind, base: env.base, token: u.token, schema, label: `live-${kind}` });
            clients.push(c);
            live.push(c);
            await c.start();
        }
        const x = newOrder(u.userId, { note: 'x' });
        await pushDocs(u.token, [x]);
        for (const c of live) await awaitDoc(c, x.id);
        const first = await pull(u.token, { id: '', lwt: 0 });
        assert.deepStrictEqual(first.documents.map((d) => d.id), [x.id]);

        // T1 takes its transaction id first (writes X) but commits last
        const t1 = await env.pool.connect();
        try {
            await t1.query('BEGIN');
            await t1.query(`UPDATE orders SET note = 'committed late' WHERE id = $1`, [x.id]);
            const y = newOrder(u.userId, { note: 'y, committed first' });
            await pushDocs(u.token, [y]);
            // a client pulling now must not get a checkpoint that passes T1's change
            const mid = await pull(u.token, first.checkpoint);
            await sleep(800); // give streams the chance to run ahead
            await t1.query('COMMIT');
            const after = [];
            let cp = mid.checkpoint;
            for (let i = 0; i < 20; i++) {
                const page = await pull(u.token, cp);
                after.push(...page.documents);
                cp = page.checkpoint;
                if (after.some((d) => d.id === x.id && d.note === 'committed late')) break;
                await sleep(100);
            }
            const seen = [...mid.documents, ...after];
            assert.ok(seen.some((d) => d.id === x.id && d.note === 'committed late'),
                `pulling on from the checkpoint ${JSON.stringify(mid.checkpoint)} never returned the late commit; `
                + `got ${JSON.stringify(seen)}`);
            assert.ok(seen.some((d) => d.id === y.id), 'y is delivered');
            for (const c of live) {
                await awaitDoc(c, x.id, (d) => d.note === 'committed late', { what: `${c.kind} to get the late commit` });
                await awaitDoc(c, y.id);
            }
        } finally {
            await t1.query('ROLLBACK').catch(() => {});
            t1.release();
        }
        await awaitConverged({ pool: env.pool, base: env.base, user: u, clients: live });
        assertNoErrors(live);
    }));
});

async function readStream(token, ms, onOpen) {
    const ac = new AbortController();
    const res = await realFetch(`${env.base}/api/v1/sync/orders/0/pullStream`, {
        headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' }, signal: ac.signal,
    });
    let text = '';
    const chunks = [];
    if (res.status === 200) {
        const reader = res.body.getReader();
        const dec = new TextDecoder();
        const stop = setTimeout(() => ac.abort(), ms);
        if (onOpen) onOpen().catch((e) => { text += `\n!! ${e.message}`; });
        try {
            for (;;) {
                const { value, done } = await reader.read();
                if (done) break;
                const s = dec.decode(value, { stream: true });
                chunks.push({ at: Date.now(), s });
                text += s;
            }
        } catch (e) {
            if (e.name !== 'AbortError') throw e;
        } finally {
            clearTimeout(stop);
        }
    } else {
        text = await res.text();
    }
    return { res, text, chunks };
}

describe('unrelated transactions', () => {
    test('a transaction open in another database does not hold back replication', withLogs(async () => {
        const u = await registerUser(env.base, 'neighbour');
        const stream = await openRawStream(env.base, u.token);
        const other = new pg.Client({ ...PG, database: 'postgres' });
        await other.connect();
        try {
            await other.query('BEGIN');
            await other.query('SELECT pg_current_xact_id()'); // takes a transaction id, like any write
            const o = newOrder(u.userId, { note: 'next door is busy' });
            await pushDocs(u.token, [o]);
            const seen = await waitFor(async () => (await pull(u.token, { id: '', lwt: 0 })).documents.length > 0,
                { timeout: 4000, what: 'the pushed doc to be pullable' }).catch(() => false);
            // the frame may arrive a moment after the pull sees the row: wait for it too
            const streamed = await waitFor(() => stream.frames.some((f) => f.data.documents.some((d) => d.id === o.id)),
                { timeout: 4000, what: 'the pushed doc to be streamed' }).then(() => true, () => false);
            await other.query('COMMIT');
            assert.ok(seen, 'a committed push stayed invisible to pulls while a transaction in database '
                + '"postgres" was open (the visibility horizon is cluster-wide)');
            assert.ok(streamed, 'the committed push was not streamed while a transaction in database "postgres" was open');
        } finally {
            await other.query('ROLLBACK').catch(() => {});
            await other.end();
            await stream.close();
        }
    }));
});

describe('the SSE stream on the wire', () => {
    test('headers, heartbeat comments and unnamed data frames with documents and checkpoint', withLogs(async () => {
        const u = await registerUser(env.base, 'sse');
        const o = newOrder(u.userId, { note: 'over the wire' });
        const t0 = Date.now();
        const { res, text, chunks } = await readStream(u.token, 5000, async () => {
            await sleep(500);
            await pushDocs(u.token, [o]);
        });
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type'), /^text\/event-stream/);
        const lines = text.split(/\r?\n/);
        assert.equal(lines.filter((l) => l.startsWith('event:')).length, 0, `no named events: ${text}`);
        assert.ok(!text.includes('RESYNC'), 'the stream never sends RESYNC');
        const comments = lines.filter((l) => l.startsWith(':'));
        assert.ok(comments.length >= 1, `a heartbeat comment within 5 s (interval 2 s): ${JSON.stringify(text)}`);
        const frames = lines.filter((l) => l.startsWith('data:')).map((l) => JSON.parse(l.slice(5)));
        assert.ok(frames.length >= 1, `a data frame for the push: ${text}`);
        for (const f of frames) {
            assert.ok(Array.isArray(f.documents) && f.documents.length > 0, 'frames carry documents, never empty');
            assert.equal(typeof f.checkpoint.id, 'string');
            assert.equal(typeof f.checkpoint.lwt, 'number');
        }
        const all = frames.flatMap((f) => f.documents);
        assert.deepStrictEqual(all.find((d) => d.id === o.id), { ...o, _deleted: false });
        const last = frames.at(-1);
        assert.equal(last.checkpoint.id, last.documents.at(-1).id, 'the checkpoint is the last document\'s');
        for (const d of all) {
            for (const k of ['_rev', '_meta', '_attachments']) assert.equal(k in d, false, `frame doc has ${k}`);
        }
        // the data frame came promptly, not with a heartbeat
        const firstData = chunks.find((c) => c.s.includes('data:'));
        assert.ok(firstData.at - t0 < 3000, `the frame took ${firstData.at - t0} ms`);
    }));

    test('a bad token gets a JSON 401 before the stream starts', withLogs(async () => {
        const { res, text } = await readStream('not-a-token', 1000);
        assert.equal(res.status, 401, text);
        assert.equal(JSON.parse(text).error, true);
        const none = await realFetch(`${env.base}/api/v1/sync/orders/0/pullStream`);
        assert.equal(none.status, 401);
        assert.equal((await none.json()).error, true);
    }));
});

describe('stream completeness', () => {
    test('frames seen after connecting cover every concurrent change, in checkpoint order', withLogs(async () => {
        const u = await registerUser(env.base, 'gapless');
        await assertGaplessStream({ pool: env.pool, writeBase: env.base, streamBase: env.base, user: u });
    }));
});

describe('concurrent writers', () => {
    test(`${KINDS.join(' + ')} of one user write concurrently and converge`, withLogs(async () => {
        const u = await registerUser(env.base, 'stress');
        const schema = await getSchema(env.base, u.token);
        const cs = [];
        for (const [i, kind] of [...KINDS, ...KINDS].entries()) {
            const c = await createClient({ kind, base: env.base, token: u.token, schema, label: `W${i}` });
            clients.push(c);
            cs.push(c);
            await c.start();
        }
        const seed = Array.from({ length: 20 }, (_, i) => newOrder(u.userId, { totalCents: i }));
        await cs[0].col.bulkInsert(seed);
        await cs[0].awaitInSync();
        for (const c of cs) await waitFor(async () => (await c.docs()).length === 20, { what: `${c.label} seeded` });

        let rnd = 42;
        const rand = (n) => { rnd = (rnd * 1103515245 + 12345) & 0x7fffffff; return rnd % n; };
        const ops = cs.map(async (c, ci) => {
            for (let k = 0; k < 40; k++) {
                const r = rand(10);
                if (r < 3) {
                    await c.col.insert(newOrder(u.userId, { note: `${c.label} #${k}`, totalCents: k }));
                } else {
                    const docs = await c.col.find().exec();
                    if (!docs.length) continue;
                    const d = docs[rand(docs.length)];
                    try {
                        if (r < 9) {
                            await d.incrementalPatch({ totalCents: rand(100000), note: `${c.label} edit ${k}`,
                                status: ['pending', 'paid', 'shipped', 'cancelled'][rand(4)] });
                        } else {
                            await d.incrementalRemove();
                        }
                    } catch (e) {
                        // the doc may just have been deleted by the replication: fine
                        if (!/deleted|CONFLICT|409|COL19|RX/i.test(String(e.code || e.message))) throw e;
                    }
                }
                if (k % 5 === ci % 5) await sleep(rand(40));
            }
        });
        await Promise.all(ops);
        for (const c of cs) await c.awaitInSync();
        await awaitConverged({ pool: env.pool, base: env.base, user: u, clients: cs }, { timeout: 30_000 });
        assertNoErrors(cs);
        const conflicts = cs.reduce((n, c) => n + c.stats.conflicts.length, 0);
        console.log(`[concurrent] ${cs.length} clients converged; ${conflicts} conflicts resolved`);
    }));
});
