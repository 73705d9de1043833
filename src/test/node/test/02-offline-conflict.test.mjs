// Scenario 2: offline conflict. Both clients stop replicating, edit the same order
// differently and come back one after the other. The second one's push conflicts; its
// conflict handler resolves it (default: the server wins; custom: a merge) and both
// clients converge to the server's state.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getSchema, newOrder, registerUser, serverOrders, startEnv, withLogs } from '../lib/harness.mjs';
import { createClient, KINDS } from '../lib/clients.mjs';
import { assertNoErrors, awaitConverged, awaitDoc } from '../lib/assertions.mjs';

let env;
const clients = [];
before(async () => { env = await startEnv({ name: 'conflict' }); });
after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (env) await env.close();
});

async function offlineConflict(kind, conflict, { pause = false } = {}) {
    const user = await registerUser(env.base, 'conflict');
    const schema = await getSchema(env.base, user.token);
    const mk = (label) => createClient({ kind, base: env.base, token: user.token, schema, label, conflict });
    const A = await mk('A');
    const B = await mk('B');
    clients.push(A, B);
    await A.start();
    await B.start();

    const o = newOrder(user.userId, { note: 'original', totalCents: 100 });
    await A.col.insert(o);
    await A.awaitInSync();
    await awaitDoc(B, o.id);
    await B.awaitInSync();

    // both go offline and edit the same order differently
    await A.stop({ pause });
    await B.stop({ pause });
    await (await A.col.findOne(o.id).exec()).incrementalPatch({ status: 'paid', note: 'from A' });
    await (await B.col.findOne(o.id).exec())
        .incrementalPatch({ status: 'shipped', note: 'from B', totalCents: 555 });

    // A comes back first: its push is accepted
    await A.start();
    await A.awaitInSync();
    const [afterA] = await serverOrders(env.pool, user.userId);
    assert.deepStrictEqual(afterA, { ...o, status: 'paid', note: 'from A', _deleted: false },
        'the first client back online writes its version');

    // B comes back: its push conflicts and B's handler resolves it
    await B.start();
    await B.awaitInSync();

    const expected = conflict === 'merge'
        ? { ...o, status: 'paid', note: 'from A | from B' }
        : { ...o, status: 'paid', note: 'from A' };
    // A receives the merge live; B has adopted/merged
    await awaitDoc(A, o.id, (d) => d.note === expected.note, { what: 'A to see the resolution' });
    await awaitDoc(B, o.id, (d) => d.note === expected.note, { what: 'B to resolve the conflict' });
    await A.awaitInSync();
    await B.awaitInSync();
    const rows = await awaitConverged({ pool: env.pool, base: env.base, user, clients: [A, B] });
    assert.deepStrictEqual(rows, [{ ...expected, _deleted: false }]);

    assertNoErrors([A, B]);
    if (conflict === 'builtin') return; // RxDB's own handler: nothing counted
    // the conflict went through B's handler with the server's state as the real master
    assert.ok(B.stats.conflicts.length >= 1, `${kind}: B's conflict handler was not called`);
    assert.deepStrictEqual(B.stats.conflicts[0].real, { ...o, status: 'paid', note: 'from A', _deleted: false });
    assert.equal(B.stats.conflicts[0].fork.note, 'from B');
    assert.equal(A.stats.conflicts.length, 0, 'A pushed first and must not see a conflict');
    const conflictPushes = B.stats.pushes.filter((p) => p.conflicts > 0);
    assert.ok(conflictPushes.length >= 1, 'the server reported the conflict in a push response');
    assertNoErrors([A, B]);
}

async function deleteVersusUpdate(kind, deleterFirst) {
    const user = await registerUser(env.base, 'delupd');
    const schema = await getSchema(env.base, user.token);
    const mk = (label) => createClient({ kind, base: env.base, token: user.token, schema, label });
    const D = await mk('deleter');
    const U = await mk('updater');
    clients.push(D, U);
    await D.start();
    await U.start();
    const o = newOrder(user.userId, { note: 'to fight over' });
    await D.col.insert(o);
    await D.awaitInSync();
    await awaitDoc(U, o.id);
    await U.awaitInSync();
    await D.stop();
    await U.stop();
    await (await D.col.findOne(o.id).exec()).remove();
    await (await U.col.findOne(o.id).exec()).incrementalPatch({ status: 'shipped', note: 'shipped meanwhile' });
    const [first, second] = deleterFirst ? [D, U] : [U, D];
    await first.start();
    await first.awaitInSync();
    await second.start();
    await second.awaitInSync();
    // default handler: the server (the first one back) wins
    const expected = deleterFirst
        ? { ...o, _deleted: true }
        : { ...o, status: 'shipped', note: 'shipped meanwhile', _deleted: false };
    await awaitConverged({ pool: env.pool, base: env.base, user, clients: [D, U] });
    assert.deepStrictEqual(await serverOrders(env.pool, user.userId), [expected]);
    assert.ok(second.stats.conflicts.length >= 1, 'the second one back resolved a conflict');
    assertNoErrors([D, U]);
}

describe('offline edits of the same order conflict and converge', () => {
    for (const kind of KINDS) {
        test(`${kind}: default handler, the server wins`, withLogs(() => offlineConflict(kind, 'default')));
        test(`${kind}: custom merge handler`, withLogs(() => offlineConflict(kind, 'merge')));
        test(`${kind}: RxDB's built-in default handler`, withLogs(() => offlineConflict(kind, 'builtin')));
        test(`${kind}: delete vs update, the deleter back first: the tombstone wins`,
            withLogs(() => deleteVersusUpdate(kind, true)));
        test(`${kind}: delete vs update, the updater back first: the document survives`,
            withLogs(() => deleteVersusUpdate(kind, false)));
        if (kind.endsWith('v17')) {
            test(`${kind}: pause()/start() instead of cancel, merge handler`,
                withLogs(() => offlineConflict(kind, 'merge', { pause: true })));
        }
    }
});
