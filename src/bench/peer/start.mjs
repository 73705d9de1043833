// The benchmark's peer: rxdb-server 15.22 (the RxDB replication server, npm) with memory
// storage, serving the same orders collection at the same routes as rxsync
// (/api/v1/sync/orders/0/pull|push|pullStream), so that the load generator drives both
// through the same protocol. Started and stopped by the benchmark (src/bench/java, Peer).
// Only rxdb-server's public API is used: createRxServer, addReplicationEndpoint.
//
// Fair to the peer in what rxsync also does: every user sees and writes only their own
// orders (queryModifier / changeValidator on the token's subject), and a bearer token is
// verified once (RS256, the service's dev key) and then remembered, as rxsync does. It
// does not persist anything, nor validate documents against a schema beyond RxDB's own.
//
// Environment: PEER_PORT, PEER_PUBLIC_KEY (PEM file), PEER_ORDERS (seeded orders of
// PEER_PULL_USER, the same ids and values as BenchDatabase.seedOrders).
import crypto from 'node:crypto';
import fs from 'node:fs';
import express from 'express';
import { createRxDatabase, addRxPlugin } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { createRxServer } from 'rxdb-server/plugins/server';
import { RxServerAdapterExpress } from 'rxdb-server/plugins/adapter-express';

const port = Number(process.env.PEER_PORT ?? 18090);
const orders = Number(process.env.PEER_ORDERS ?? 100000);
const pullUser = process.env.PEER_PULL_USER;
const publicKey = crypto.createPublicKey(fs.readFileSync(process.env.PEER_PUBLIC_KEY));

const orderSchema = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 36 },
    userId: { type: 'string', maxLength: 36 },
    status: { type: 'string' },
    totalCents: { type: 'integer' },
    currency: { type: 'string' },
    note: { type: 'string' },
    metadata: { type: 'object' },
  },
  required: ['id', 'userId', 'status', 'totalCents', 'currency'],
};

/** The uuid numbered n in a family, as BenchDatabase.uuid writes it. */
function uuid(prefix, n) {
  return `00000000-0000-4000-${prefix}-${n.toString(16).padStart(12, '0')}`;
}

/** The same rows as BenchDatabase.seedOrders(PULL_ORDER_PREFIX, 1, orders, pull user). */
function seededOrder(g) {
  return {
    id: uuid('9000', g),
    userId: pullUser,
    status: ['pending', 'paid', 'shipped', 'cancelled'][g % 4],
    totalCents: (g * 7919) % 100000,
    currency: 'EUR',
    note: 'Order number ' + g,
    metadata: { channel: ['web', 'ios', 'android'][g % 3], paymentRef: 'pay_' + g },
  };
}

// Verified tokens by their text (at most 10,000), like rxsync; the expiry is checked each time.
const verified = new Map();
function authHandler(headers) {
  const token = (headers.authorization ?? '').replace(/^Bearer /, '');
  let claims = verified.get(token);
  if (!claims) {
    const [header, payload, signature] = token.split('.');
    if (!signature || !crypto.verify('RSA-SHA256', Buffer.from(header + '.' + payload), publicKey,
        Buffer.from(signature, 'base64url'))) {
      throw new Error('invalid token');
    }
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    if (verified.size >= 10000) {
      verified.clear();
    }
    verified.set(token, claims);
  }
  if (claims.exp * 1000 <= Date.now()) {
    throw new Error('expired token');
  }
  return { data: { userId: claims.sub }, validUntil: claims.exp * 1000 };
}

const database = await createRxDatabase({ name: 'peer', storage: getRxStorageMemory(), multiInstance: false });
const { orders: collection } = await database.addCollections({ orders: { schema: orderSchema } });
for (let from = 1; from <= orders; from += 10000) {
  const chunk = [];
  for (let g = from; g < Math.min(from + 10000, orders + 1); g++) {
    chunk.push(seededOrder(g));
  }
  await collection.bulkInsert(chunk);
}

// Our own express app only to raise the JSON body limit (express' default is 100 kB) and to
// answer a readiness probe; rxdb-server adds its routes to it.
const app = express();
app.use(express.json({ limit: '10mb' }));
app.get('/ready', (req, res) => res.send('ok'));
const server = await createRxServer({
  database, adapter: RxServerAdapterExpress, serverApp: app, port, hostname: '127.0.0.1', authHandler,
});
server.addReplicationEndpoint({
  name: 'api/v1/sync/orders',
  collection,
  queryModifier: (auth, query) => ({ ...query, selector: { ...query.selector, userId: auth.data.userId } }),
  changeValidator: (auth, change) => change.newDocumentState.userId === auth.data.userId
      && (!change.assumedMasterState || change.assumedMasterState.userId === auth.data.userId),
});
await server.start();
console.log(`rxdb-server listening on 127.0.0.1:${port} with ${orders} orders`);
