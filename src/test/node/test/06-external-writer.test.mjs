// Scenario 6: an external writer. INSERT, UPDATE and DELETE run straight in SQL on the
// orders table reach a live client; the SQL DELETE becomes a tombstone (`_deleted: true`).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fullPull, getSchema, newOrder, registerUser, startEnv, waitFor, withLogs } from '../lib/harness.mjs';
import { createClient, KINDS } from '../lib/clients.mjs';
import { assertNoErrors, awaitConverged, awaitDoc, awaitGone } from '../lib/assertions.mjs';

let env;
const clients = [];
before(async () => { env = await startEnv({ name: 'external' }); });
after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (env) await env.close();
});

async function externalWriter(kind) {
    const user = await registerUser(env.base, 'external');
    const schema = await getSchema(env.base, user.token);
    const A = await createClient({ kind, base: env.base, token: user.token, schema, label: 'A' });
    clients.push(A);
    await A.start();
    const o1 = newOrder(user.userId, { note: 'one' });
    const o2 = newOrder(user.userId, { note: 'two' });
    await A.col.bulkInsert([o1, o2]);
    await A.awaitInSync();

    // UPDATE in SQL
    const upd = await env.pool.query(
        `UPDATE orders SET status = 'shipped', note = 'shipped by the warehouse', total_cents = 1999,
                metadata = '{"carrier":"dhl"}'::jsonb WHERE id = $1`, [o1.id]);
    assert.equal(upd.rowCount, 1);
    const got = await awaitDoc(A, o1.id, (d) => d.status === 'shipped', { what: 'the SQL UPDATE to reach A' });
    assert.deepStrictEqual(got, {
        ...o1, status: 'shipped', note: 'shipped by the warehouse', totalCents: 1999, metadata: { carrier: 'dhl' },
    });

    // DELETE in SQL: becomes a tombstone
    const del = await env.pool.query('DELETE FROM orders WHERE id = $1', [o2.id]);
    assert.equal(del.rowCount, 0, 'the delete trigger turns the DELETE into a tombstone update');
    await awaitGone(A, o2.id);
    const [stored] = await A.stored([o2.id]);
    assert.deepStrictEqual(stored, { ...o2, _deleted: true }, 'A stores the tombstone');
    const { rows } = await env.pool.query('SELECT deleted FROM orders WHERE id = $1', [o2.id]);
    assert.deepStrictEqual(rows, [{ deleted: true }], 'the row stays as a tombstone');
    const pulled = (await fullPull(env.base, user.token)).docs.find((d) => d.id === o2.id);
    assert.equal(pulled._deleted, true, 'a pull returns the tombstone');

    // INSERT in SQL
    const o3 = newOrder(user.userId, { note: 'typed in by support', status: 'paid', totalCents: 5 });
    await env.pool.query(
        `INSERT INTO orders (id, user_id, status, total_cents, currency, note)
         VALUES ($1, $2, $3, $4, $5, $6)`, [o3.id, user.userId, o3.status, o3.totalCents, o3.currency, o3.note]);
    assert.deepStrictEqual(await awaitDoc(A, o3.id, () => true, { what: 'the SQL INSERT to reach A' }), o3);

    // several statements in one transaction arrive together
    const client = await env.pool.connect();
    try {
        await client.query('BEGIN');
        await client.query(`UPDATE orders SET note = 'tx 1' WHERE id = $1`, [o1.id]);
        await client.query(`UPDATE orders SET note = 'tx 2' WHERE id = $1`, [o3.id]);
        await client.query('COMMIT');
    } finally {
        client.release();
    }
    await waitFor(async () => (await A.doc(o1.id)).note === 'tx 1' && (await A.doc(o3.id)).note === 'tx 2',
        { what: 'a multi-row SQL transaction to reach A' });

    // the client can keep editing what the external writer changed, without conflict
    await (await A.col.findOne(o1.id).exec()).incrementalPatch({ note: 'edited after SQL' });
    await A.awaitInSync();
    await awaitConverged({ pool: env.pool, base: env.base, user, clients: [A] });
    assert.equal(A.stats.conflicts.length, 0);
    assertNoErrors([A]);
}

describe('writes made straight in SQL replicate', () => {
    for (const kind of KINDS) {
        test(`${kind}: SQL UPDATE, DELETE (tombstone) and INSERT reach a live client`, withLogs(() => externalWriter(kind)));
    }
});
