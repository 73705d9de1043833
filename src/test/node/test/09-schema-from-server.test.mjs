// Scenario 9: clients build their collections from the server's listing
// (GET /api/v1/sync) and sync with them: orders, and the users collection (one profile
// per user, email read-only).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fullPull, getListing, http, newOrder, registerUser, startEnv, withLogs } from '../lib/harness.mjs';
import { createClient, KINDS } from '../lib/clients.mjs';
import { assertNoErrors, awaitConverged, awaitDoc } from '../lib/assertions.mjs';

let env;
const clients = [];
before(async () => { env = await startEnv({ name: 'schema' }); });
after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (env) await env.close();
});

describe('schema from the server', () => {
    test('the listing names every collection with its version, url and an RxDB schema', withLogs(async () => {
        const u = await registerUser(env.base, 'listing');
        const listing = await getListing(env.base, u.token);
        assert.deepStrictEqual(listing.map((e) => e.name).sort(), ['orders', 'users']);
        for (const e of listing) {
            assert.equal(e.schemaVersion, 0);
            assert.equal(e.url, `/api/v1/sync/${e.name}/0`);
            assert.equal(e.schema.version, e.schemaVersion);
            assert.equal(e.schema.primaryKey, 'id');
            assert.equal(e.schema.type, 'object');
            assert.equal(e.schema.properties.id.type, 'string');
            assert.ok(e.schema.properties.id.maxLength > 0, 'RxDB needs maxLength on the primary key');
            for (const k of ['_rev', '_meta', '_attachments', '_deleted']) {
                assert.equal(k in e.schema.properties, false, `schema must not declare ${k}`);
            }
        }
        const orders = listing.find((e) => e.name === 'orders').schema;
        assert.deepStrictEqual(orders.properties.status.enum, ['pending', 'paid', 'shipped', 'cancelled']);
        assert.deepStrictEqual([...orders.required].sort(), ['currency', 'id', 'status', 'totalCents', 'userId']);
    }));

    test('the listing is public (it only describes the schemas) and carries no user data', withLogs(async () => {
        const u = await registerUser(env.base, 'public-listing');
        const withToken = await http(env.base, 'GET', '/api/v1/sync', { token: u.token });
        for (const token of [undefined, 'not-a-jwt']) {
            const res = await http(env.base, 'GET', '/api/v1/sync', { token });
            assert.equal(res.status, 200, `listing with token ${token}: ${res.status} ${res.text.slice(0, 200)}`);
            assert.deepStrictEqual(res.body, withToken.body, 'the same listing for everyone');
        }
        assert.equal(withToken.text.includes(u.userId), false, 'no user id in the listing');
        assert.equal(withToken.text.includes(u.email), false, 'no email in the listing');
        assert.equal(/hashed|password/i.test(withToken.text), false, 'nothing about passwords');
    }));

    for (const kind of KINDS) {
        test(`${kind}: collections built from the listing sync orders and the user's profile`, withLogs(async () => {
            const u = await registerUser(env.base, 'schema');
            const listing = await getListing(env.base, u.token);
            const schemaOf = (name) => listing.find((e) => e.name === name).schema;
            const mk = (label, collection) => createClient({
                kind, base: env.base, token: u.token, schema: schemaOf(collection), collection, label,
            });
            const A = await mk('A-orders', 'orders');
            const B = await mk('B-orders', 'orders');
            const P = await mk('P-users', 'users');
            const Q = await mk('Q-users', 'users');
            clients.push(A, B, P, Q);
            for (const c of [A, B, P, Q]) await c.start();
            assert.deepStrictEqual(A.col.schema.jsonSchema.properties.status.enum, schemaOf('orders').properties.status.enum);

            const o = newOrder(u.userId, { metadata: { from: 'listing schema' } });
            await A.col.insert(o);
            assert.deepStrictEqual(await awaitDoc(B, o.id), o);
            await awaitConverged({ pool: env.pool, base: env.base, user: u, clients: [A, B] });

            // users: the profile arrives, a displayName edit syncs to the server and to Q
            const profile = await awaitDoc(P, u.userId, () => true, { what: 'the profile to arrive' });
            assert.deepStrictEqual(profile, { id: u.userId, email: u.email.toLowerCase(), displayName: u.displayName });
            await awaitDoc(Q, u.userId);
            await (await P.col.findOne(u.userId).exec()).incrementalPatch({ displayName: 'Renamed Rita' });
            await awaitDoc(Q, u.userId, (d) => d.displayName === 'Renamed Rita', { what: 'Q to see the rename' });
            await P.awaitInSync();
            const { rows } = await env.pool.query('SELECT display_name, email FROM users WHERE id = $1', [u.userId]);
            assert.deepStrictEqual(rows, [{ display_name: 'Renamed Rita', email: u.email.toLowerCase() }]);
            const pulled = await fullPull(env.base, u.token, 'users');
            assert.deepStrictEqual(pulled.docs, [{ ...profile, displayName: 'Renamed Rita', _deleted: false }]);

            // email is read-only: changing it is refused with 403
            const cur = { ...profile, displayName: 'Renamed Rita', _deleted: false };
            const res = await http(env.base, 'POST', '/api/v1/sync/users/0/push', {
                token: u.token,
                body: [{ assumedMasterState: cur, newDocumentState: { ...cur, email: 'other@e2e.test' } }],
            });
            assert.equal(res.status, 403, `email change: ${res.status} ${res.text}`);
            assert.equal(res.body.error, true);
            assertNoErrors([A, B, P, Q]);
        }));
    }
});
