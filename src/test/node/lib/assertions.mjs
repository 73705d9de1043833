import assert from 'node:assert/strict';
import { fullPull, http, newOrder, openRawStream, serverOrders, sleep, waitFor } from './harness.mjs';

const strip = (d) => {
    const { _deleted, ...rest } = d;
    return rest;
};

/**
 * Asserts, field by field, that the server's rows (SQL), the server's full pull (HTTP)
 * and every client agree: each client's visible documents are exactly the server's live
 * rows, and each client stores the server's tombstones as deleted.
 */
export async function assertConverged({ pool, base, user, clients, collection = 'orders' }) {
    const sql = await serverOrders(pool, user.userId);
    const pulled = (await fullPull(base, user.token, collection)).docs;
    assert.deepStrictEqual(pulled, sql, 'a full pull over HTTP must equal the rows in SQL');
    const live = sql.filter((d) => !d._deleted).map(strip);
    const ids = sql.map((d) => d.id);
    for (const c of clients) {
        assert.deepStrictEqual(await c.docs(), live,
            `${c.label} (${c.kind}): visible documents must equal the server's live rows`);
        const stored = await c.stored(ids);
        assert.deepStrictEqual(stored, sql,
            `${c.label} (${c.kind}): stored documents incl. tombstones must equal the server's rows`);
    }
    return sql;
}

/** Polls until assertConverged passes, then returns the server rows; throws its diff at the end. */
export async function awaitConverged(args, { timeout = 15_000 } = {}) {
    try {
        await waitFor(async () => {
            await assertConverged(args);
            return true;
        }, { timeout, interval: 200, what: 'convergence' });
    } catch {
        // one more time, so the failure shows the assertion's diff
    }
    return assertConverged(args);
}

/** Waits until the client shows the document (or, with `gone`, no longer shows it). */
export async function awaitDoc(client, id, predicate = () => true, { timeout = 10_000, what } = {}) {
    return waitFor(async () => {
        const d = await client.doc(id);
        return d && predicate(d) ? d : null;
    }, { timeout, what: what || `${client.label} (${client.kind}) to see ${id}` });
}

export async function awaitGone(client, id, { timeout = 10_000 } = {}) {
    return waitFor(async () => (await client.doc(id)) === null,
        { timeout, what: `${client.label} (${client.kind}) to drop deleted ${id}` });
}

/** Asserts that none of the clients' replications reported an error. */
export function assertNoErrors(clients, allow = () => false) {
    for (const c of clients) {
        const errs = c.errors.filter((e) => !allow(e));
        assert.equal(errs.length, 0, `${c.label} (${c.kind}) error$: `
            + errs.map((e) => `${e.code}: ${e.message}`).join('; ').slice(0, 2000));
    }
}

/**
 * A raw SSE subscriber on `streamBase` while 8 writers push 320 single-row batches
 * through `writeBase` (plus SQL updates alongside): the frames seen after connecting must
 * carry the final state of every document, with checkpoints that only move forward and
 * that leave nothing behind for a pull.
 */
export async function assertGaplessStream({ pool, writeBase, streamBase, user }) {
    const stream = await openRawStream(streamBase, user.token);
    assert.equal(stream.res.status, 200, stream.text);
    try {
        await sleep(300);
        const writers = Array.from({ length: 8 }, async (_, w) => {
            for (let k = 0; k < 40; k++) {
                const o = { ...newOrder(user.userId, { note: `w${w} k${k}`, totalCents: k }), _deleted: false };
                const res = await http(writeBase, 'POST', '/api/v1/sync/orders/0/push',
                    { token: user.token, body: [{ newDocumentState: o }] });
                assert.equal(res.status, 200, res.text);
                if (k % 10 === 9) {
                    await pool.query('UPDATE orders SET total_cents = total_cents + 1000 WHERE id = $1', [o.id]);
                }
            }
        });
        await Promise.all(writers);
        // (a transaction elsewhere on the cluster can hold visibility back for a moment)
        const final = await waitFor(async () => {
            const m = new Map((await fullPull(writeBase, user.token)).docs.map((d) => [d.id, d]));
            return m.size === 320 ? m : null;
        }, { timeout: 10_000, what: 'all 320 pushed documents to be pullable' });
        const latest = new Map();
        const collect = () => {
            latest.clear();
            for (const f of stream.frames) for (const d of f.data.documents) latest.set(d.id, d);
        };
        await waitFor(() => {
            collect();
            return [...final.values()].every((d) => JSON.stringify(latest.get(d.id)) === JSON.stringify(d));
        }, { timeout: 15_000, what: 'every final state on the stream' }).catch(() => {});
        collect();
        const missing = [...final.keys()].filter((id) => !latest.has(id));
        assert.deepStrictEqual(missing, [], `${missing.length} documents never arrived on the stream`);
        for (const [id, d] of final) assert.deepStrictEqual(latest.get(id), d, `stale state on the stream for ${id}`);
        let prev = null;
        for (const { data } of stream.frames) {
            const cp = data.checkpoint;
            assert.equal(cp.id, data.documents.at(-1).id, "a frame's checkpoint is its last document's");
            if (prev) {
                assert.ok(cp.lwt > prev.lwt || (cp.lwt === prev.lwt && cp.id > prev.id),
                    `stream checkpoint went back: ${JSON.stringify(prev)} -> ${JSON.stringify(cp)}`);
            }
            prev = cp;
        }
        const rest = await http(writeBase, 'GET',
            `/api/v1/sync/orders/0/pull?lwt=${prev.lwt}&id=${prev.id}&limit=100`, { token: user.token });
        assert.deepStrictEqual(rest.body.documents, [], 'nothing is left after the last stream checkpoint');
        return { frames: stream.frames.length, heartbeats: stream.comments };
    } finally {
        await stream.close();
    }
}
