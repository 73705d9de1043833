// Scenario 12 (issue 17): bytes on the wire. Each client kind makes its first sync of 600
// orders through a counting proxy (lib/wire-proxy.mjs), as a phone would: its full pull
// pages must really cross the wire compressed (gzip or brotli, decoded by the proxy to check
// them), small answers plain, and the live stream plain and live: a change made afterwards
// arrives through it. At the end the client equals the server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getSchema, http, newOrder, registerUser, startEnv, withLogs } from '../lib/harness.mjs';
import { createClient, KINDS } from '../lib/clients.mjs';
import { assertNoErrors, awaitConverged, awaitDoc } from '../lib/assertions.mjs';
import { startWireProxy } from '../lib/wire-proxy.mjs';

const ORDERS = 600;
const MIN_SIZE = 512; // rxsync.compression.min-size

let env;
const clients = [];
const proxies = [];
before(async () => { env = await startEnv({ name: 'wire' }); });
after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(proxies.map((p) => p.close()));
    if (env) await env.close();
});

async function seed(user) {
    const docs = Array.from({ length: ORDERS }, (_, i) => newOrder(user.userId, {
        status: i % 3 ? 'paid' : 'pending', totalCents: 100 + i, note: `order ${i}`, metadata: { channel: 'app', i },
    }));
    for (let i = 0; i < docs.length; i += 200) {
        const res = await http(env.base, 'POST', '/api/v1/sync/orders/0/push', {
            token: user.token, body: docs.slice(i, i + 200).map((d) => ({ newDocumentState: { ...d, _deleted: false } })),
        });
        assert.equal(res.status, 200, res.text);
    }
}

const sum = (xs, f) => xs.reduce((n, x) => n + f(x), 0);

async function firstSyncOnTheWire(kind) {
    const user = await registerUser(env.base, 'wire');
    await seed(user);
    const schema = await getSchema(env.base, user.token);
    const proxy = await startWireProxy(env.base);
    proxies.push(proxy);
    const phone = await createClient({ kind, base: proxy.base, token: user.token, schema, label: 'phone' });
    clients.push(phone);
    await phone.start();
    await phone.awaitInSync();
    await awaitConverged({ pool: env.pool, base: env.base, user, clients: [phone] }, { timeout: 60_000 });

    const pulls = proxy.exchanges.filter((e) => e.path.includes('/pull?') && e.status === 200 && e.done);
    const big = pulls.filter((e) => e.plainBytes >= MIN_SIZE);
    assert.ok(big.length >= ORDERS / 100, `${big.length} full pages went through the proxy`);
    for (const e of big) {
        assert.ok(['br', 'gzip'].includes(e.encoding),
            `${e.path}: ${e.plainBytes} bytes sent as ${e.encoding} (client sent Accept-Encoding: ${e.acceptEncoding})`);
        assert.match(e.vary ?? '', /accept-encoding/i);
    }
    const wire = sum(big, (e) => e.wireBytes);
    const plain = sum(big, (e) => e.plainBytes);
    assert.ok(wire * 3 < plain, `${wire} bytes on the wire for ${plain} bytes of pages`);
    for (const e of pulls.filter((x) => x.plainBytes < MIN_SIZE)) {
        assert.equal(e.encoding, 'identity', `${e.path}: ${e.plainBytes} bytes, below the threshold`);
    }

    // the stream went through the proxy too, uncompressed, and stays live
    const stream = proxy.exchanges.find((e) => e.path.includes('/pullStream'));
    assert.ok(stream, 'the client opened its stream through the proxy');
    assert.equal(stream.encoding, 'identity');
    const later = newOrder(user.userId, { note: 'written after the first sync' });
    const res = await http(env.base, 'POST', '/api/v1/sync/orders/0/push',
        { token: user.token, body: [{ newDocumentState: { ...later, _deleted: false } }] });
    assert.equal(res.status, 200, res.text);
    await awaitDoc(phone, later.id);
    assert.ok(stream.wireBytes > 0 && !stream.done, 'the frame came through the open stream');
    assertNoErrors([phone]);
    const encodings = [...new Set(big.map((e) => e.encoding))].join('/');
    console.log(`[wire ${kind}] ${big.length} pages: ${wire} bytes on the wire (${encodings}) for ${plain} bytes `
        + `of JSON; Accept-Encoding: ${big[0].acceptEncoding}`);
}

describe('a first sync crosses the wire compressed', () => {
    for (const kind of KINDS) {
        test(`${kind}: full pages compressed, small answers and the stream plain`, withLogs(() => firstSyncOnTheWire(kind)));
    }
});
