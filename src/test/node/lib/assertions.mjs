import assert from 'node:assert/strict';
import { fullPull, serverOrders, waitFor } from './harness.mjs';

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
