// Scenario 7: the server restarts while clients are live. A write made while it is down
// is held by the client and pushed once the server is back; every client converges.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getSchema, newOrder, registerUser, serverOrders, sleep, startEnv, withLogs } from '../lib/harness.mjs';
import { createClient, KINDS } from '../lib/clients.mjs';
import { awaitConverged, awaitDoc } from '../lib/assertions.mjs';

let env;
const clients = [];
before(async () => { env = await startEnv({ name: 'restart' }); });
after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (env) await env.close();
});

async function restart(kind) {
    const server = env.servers[0];
    const user = await registerUser(env.base, 'restart');
    const schema = await getSchema(env.base, user.token);
    const A = await createClient({ kind, base: env.base, token: user.token, schema, label: 'A' });
    const B = await createClient({ kind, base: env.base, token: user.token, schema, label: 'B' });
    clients.push(A, B);
    await A.start();
    await B.start();
    const o = newOrder(user.userId, { note: 'before restart' });
    await A.col.insert(o);
    await awaitDoc(B, o.id);
    await A.awaitInSync();

    await server.stop();
    // writes while the server is down
    const p = newOrder(user.userId, { note: 'written while down' });
    await A.col.insert(p);
    await (await A.col.findOne(o.id).exec()).incrementalPatch({ status: 'paid', note: 'paid while down' });
    const q = newOrder(user.userId, { note: 'B while down', currency: 'JPY' });
    await B.col.insert(q);
    await sleep(1500); // let the clients fail at least once
    const ids = (await serverOrders(env.pool, user.userId)).map((r) => r.id);
    assert.deepStrictEqual(ids, [o.id], 'nothing reached the database while the server was down');
    assert.ok(A.errors.length > 0, 'A noticed the server was gone');

    await server.start();
    // both clients push what they held and receive the other's writes
    await awaitDoc(B, p.id, () => true, { timeout: 20_000, what: "B to receive A's offline insert" });
    await awaitDoc(B, o.id, (d) => d.status === 'paid', { timeout: 20_000, what: "B to receive A's offline update" });
    await awaitDoc(A, q.id, () => true, { timeout: 20_000, what: "A to receive B's offline insert" });
    await A.awaitInSync();
    await B.awaitInSync();
    const rows = await awaitConverged({ pool: env.pool, base: env.base, user, clients: [A, B] }, { timeout: 20_000 });
    assert.equal(rows.length, 3);

    // live again after the restart: a new change streams through
    const r = newOrder(user.userId, { note: 'after restart' });
    await B.col.insert(r);
    await awaitDoc(A, r.id, () => true, { what: 'A to receive a live change after the restart' });
    assert.equal(A.stats.conflicts.length + B.stats.conflicts.length, 0, 'no conflicts expected');
}

describe('server restart while clients are live', () => {
    for (const kind of KINDS) {
        test(`${kind}: writes held during the outage are pushed later; all converge`, withLogs(() => restart(kind)));
    }
});
