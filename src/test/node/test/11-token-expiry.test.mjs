// Token expiry: tokens live 8 s on this server. The server ends an open stream when its
// token expires and refuses the expired token with 401; a client that logs in again and
// sets the new token pushes what it held and receives live changes again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    getSchema, http, newOrder, realFetch, registerUser, serverOrders, sleep, startEnv, waitFor, withLogs,
} from '../lib/harness.mjs';
import { createClient, KINDS } from '../lib/clients.mjs';
import { awaitConverged, awaitDoc } from '../lib/assertions.mjs';

const LIFESPAN = 8;
let env;
const clients = [];
before(async () => {
    env = await startEnv({ name: 'expiry', props: { 'smallrye.jwt.new-token.lifespan': LIFESPAN } });
});
after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (env) await env.close();
});

const expOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp * 1000;
async function login(u) {
    const res = await http(env.base, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: u.password } });
    assert.equal(res.status, 200, res.text);
    return res.body.token;
}

describe('expired tokens', { concurrency: true }, () => {
    test('the server ends a stream when its token expires; the token then gets 401', withLogs(async () => {
        const u = await registerUser(env.base, 'expiry-raw');
        const exp = expOf(u.token);
        assert.ok(exp - Date.now() <= LIFESPAN * 1000 + 1000, 'the server issues short tokens here');
        const res = await realFetch(`${env.base}/api/v1/sync/orders/0/pullStream`,
            { headers: { Authorization: `Bearer ${u.token}` } });
        assert.equal(res.status, 200);
        const reader = res.body.getReader();
        const limit = setTimeout(() => reader.cancel(), exp - Date.now() + 5000);
        for (;;) {
            const { done } = await reader.read().catch(() => ({ done: true, cancelled: true }));
            if (done) break;
        }
        clearTimeout(limit);
        const endedAt = Date.now();
        assert.ok(endedAt >= exp - 1000, `the stream ended ${exp - endedAt} ms before expiry`);
        assert.ok(endedAt <= exp + 4000, `the stream was not ended at expiry (still open ${endedAt - exp} ms after)`);
        const pull = await http(env.base, 'GET', '/api/v1/sync/orders/0/pull?lwt=0&id=&limit=1', { token: u.token });
        assert.equal(pull.status, 401, pull.text);
        assert.equal(pull.body.error, true);
    }));

    for (const kind of KINDS) {
        test(`${kind}: after expiry a new login resumes push and live pull`, withLogs(async () => {
            const u = await registerUser(env.base, 'expiry');
            const exp = expOf(u.token);
            const schema = await getSchema(env.base, u.token);
            const A = await createClient({ kind, base: env.base, token: u.token, schema, label: 'A' });
            clients.push(A);
            await A.start();
            const o1 = newOrder(u.userId, { note: 'before expiry' });
            await A.col.insert(o1);
            await A.awaitInSync();

            await sleep(Math.max(0, exp - Date.now()) + 500);
            const o2 = newOrder(u.userId, { note: 'written with an expired token' });
            await A.col.insert(o2);
            // the client notices: the official client's unauthorized$, a plain client's error$
            await waitFor(() => A.stats.unauthorized > 0 || A.errors.some((e) => /401/.test(JSON.stringify(e.parameters))),
                { what: `${kind} to get a 401` });
            assert.deepStrictEqual((await serverOrders(env.pool, u.userId)).map((r) => r.id), [o1.id],
                'nothing is written with an expired token');

            const fresh = await login(u);
            A.setToken(fresh);
            await waitFor(async () => (await serverOrders(env.pool, u.userId)).length === 2,
                { what: 'the held write to be pushed with the new token', timeout: 6000 });
            await env.pool.query(`UPDATE orders SET note = 'changed on the server' WHERE id = $1`, [o1.id]);
            await awaitDoc(A, o1.id, (d) => d.note === 'changed on the server',
                { what: 'a live change after re-login', timeout: 6000 });
            await awaitConverged({ pool: env.pool, base: env.base, user: { ...u, token: fresh }, clients: [A] },
                { timeout: 3000 });
        }));
    }
});
