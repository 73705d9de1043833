// Scenario 1 (issue 2 end-to-end): one user, two client databases A and B syncing through
// the server. A inserts, updates and deletes orders; B receives each change live through
// the stream; at the end both clients equal the server, field by field.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getSchema, newOrder, registerUser, startEnv, withLogs } from '../lib/harness.mjs';
import { createClient, KINDS } from '../lib/clients.mjs';
import { assertNoErrors, awaitConverged, awaitDoc, awaitGone } from '../lib/assertions.mjs';

let env;
const clients = [];
before(async () => { env = await startEnv({ name: 'live' }); });
after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (env) await env.close();
});

async function twoClients(kindA, kindB) {
    const user = await registerUser(env.base, 'live');
    const schema = await getSchema(env.base, user.token);
    const A = await createClient({ kind: kindA, base: env.base, token: user.token, schema, label: 'A' });
    const B = await createClient({ kind: kindB, base: env.base, token: user.token, schema, label: 'B' });
    clients.push(A, B);
    await A.start();
    await B.start();
    await A.awaitInSync();
    await B.awaitInSync();
    return { user, A, B };
}

async function liveScenario(kindA, kindB) {
    const { user, A, B } = await twoClients(kindA, kindB);

    // inserts, one at a time: each must reach B live
    const orders = [];
    const latencies = [];
    for (let i = 0; i < 3; i++) {
        const o = newOrder(user.userId, { totalCents: 100 * (i + 1), note: `order ${i}` });
        const t0 = Date.now();
        await A.col.insert(o);
        orders.push(o);
        const got = await awaitDoc(B, o.id, () => true, { timeout: 10_000 });
        latencies.push(Date.now() - t0);
        assert.deepStrictEqual(got, o);
    }
    console.log(`[live ${kindA} -> ${kindB}] insert-to-visible on B: ${latencies.join(', ')} ms`);
    // one with metadata and unicode
    const rich = newOrder(user.userId, {
        currency: 'USD', totalCents: 0, note: 'ünïcødé ✓ "quoted" & <tags>',
        metadata: { source: 'e2e', tags: ['a', 'b'], nested: { n: 1.5, ok: true } },
    });
    await A.col.insert(rich);
    assert.deepStrictEqual(await awaitDoc(B, rich.id), rich);

    // update: B sees the new field values
    const doc0 = await A.col.findOne(orders[0].id).exec();
    await doc0.incrementalPatch({ status: 'paid', note: 'paid by card' });
    const upd = await awaitDoc(B, orders[0].id, (d) => d.status === 'paid');
    assert.equal(upd.note, 'paid by card');
    assert.equal(upd.totalCents, 100);

    // removing an optional field
    const docRich = await A.col.findOne(rich.id).exec();
    await docRich.incrementalModify((d) => { delete d.note; d.status = 'shipped'; return d; });
    const noNote = await awaitDoc(B, rich.id, (d) => d.status === 'shipped');
    assert.equal('note' in noNote, false, 'a removed optional field must be removed on B too');

    // delete: B drops it
    const doc1 = await A.col.findOne(orders[1].id).exec();
    await doc1.remove();
    await awaitGone(B, orders[1].id);

    // B writes back: A sees it live too
    const fromB = newOrder(user.userId, { status: 'cancelled', currency: 'GBP', totalCents: 7 });
    await B.col.insert(fromB);
    assert.deepStrictEqual(await awaitDoc(A, fromB.id), fromB);

    await A.awaitInSync();
    await B.awaitInSync();
    const rows = await awaitConverged({ pool: env.pool, base: env.base, user, clients: [A, B] });
    assert.equal(rows.length, 5);
    assert.equal(rows.filter((r) => r._deleted).length, 1);
    // the stream did the work: B received frames, not only pulls
    assert.ok(B.stats.streamEvents > 0,
        `${B.kind} received ${B.stats.streamEvents} stream frames`);
    assertNoErrors([A, B]);
}

describe('live sync between two clients of one user', () => {
    for (const kind of KINDS) {
        test(`${kind}: A's inserts, updates and deletes reach B live`, withLogs(() => liveScenario(kind, kind)));
    }
    if (KINDS.length > 1) {
        test(`mixed: ${KINDS[0]} and ${KINDS[1]} sync with each other`,
            withLogs(() => liveScenario(KINDS[0], KINDS[1])));
    }
});
