// Scenario 5: two server instances on one database. A syncs through instance 1, B through
// instance 2; each receives the other's changes live.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getSchema, newOrder, registerUser, startEnv, withLogs } from '../lib/harness.mjs';
import { createClient, KINDS } from '../lib/clients.mjs';
import { assertGaplessStream, assertNoErrors, awaitConverged, awaitDoc, awaitGone } from '../lib/assertions.mjs';

let env;
const clients = [];
before(async () => { env = await startEnv({ name: 'twoinst', instances: 2 }); });
after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (env) await env.close();
});

async function twoInstances(kindA, kindB) {
    const [s1, s2] = env.servers;
    const user = await registerUser(s1.base, 'twoinst');
    const schema = await getSchema(s2.base, user.token);
    const A = await createClient({ kind: kindA, base: s1.base, token: user.token, schema, label: 'A@1' });
    const B = await createClient({ kind: kindB, base: s2.base, token: user.token, schema, label: 'B@2' });
    clients.push(A, B);
    await A.start();
    await B.start();
    await A.awaitInSync();
    await B.awaitInSync();

    const o = newOrder(user.userId, { note: 'via instance 1' });
    await A.col.insert(o);
    assert.deepStrictEqual(await awaitDoc(B, o.id), o);
    await (await A.col.findOne(o.id).exec()).incrementalPatch({ status: 'paid', totalCents: 4242 });
    await awaitDoc(B, o.id, (d) => d.status === 'paid' && d.totalCents === 4242);

    const p = newOrder(user.userId, { note: 'via instance 2', currency: 'CHF' });
    await B.col.insert(p);
    assert.deepStrictEqual(await awaitDoc(A, p.id), p);
    await (await B.col.findOne(o.id).exec()).remove();
    await awaitGone(A, o.id);

    await A.awaitInSync();
    await B.awaitInSync();
    await awaitConverged({ pool: env.pool, base: s1.base, user, clients: [A, B] });
    await awaitConverged({ pool: env.pool, base: s2.base, user, clients: [A, B] });
    assert.ok(B.stats.streamEvents > 0 && A.stats.streamEvents > 0, 'changes arrived as stream frames');
    assertNoErrors([A, B]);
}

describe('two server instances', () => {
    for (const kind of KINDS) {
        test(`${kind}: A on instance 1 and B on instance 2 see each other's changes live`,
            withLogs(() => twoInstances(kind, kind)));
    }
    test('a raw stream on instance 2 carries every change written through instance 1, in order',
        withLogs(async () => {
            const u = await registerUser(env.servers[0].base, 'gapless2');
            await assertGaplessStream({
                pool: env.pool, writeBase: env.servers[0].base, streamBase: env.servers[1].base, user: u,
            });
        }));
});
