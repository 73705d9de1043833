// The official client (rxdb 15 + rxdb-server's replicateServer) in a browser. Its live
// stream needs an EventSource that sends the Authorization header: FetchEventSource.
import { createRxDatabase, type RxJsonSchema } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { replicateServer } from 'rxdb-server/plugins/replication-server';
import FetchEventSource from './fetch-event-source';

export async function syncOrders(serverUrl: string, token: string, schema: RxJsonSchema<any>) {
  const db = await createRxDatabase({ name: 'orders', storage: getRxStorageDexie() });
  await db.addCollections({ orders: { schema } });
  const replication = replicateServer({
    collection: db.orders,
    replicationIdentifier: 'orders-sync',
    url: `${serverUrl}/api/v1/sync/orders/0`,
    headers: { Authorization: `Bearer ${token}` }, // a new token: replication.setHeaders(…)
    live: true,
    pull: { batchSize: 100 },
    push: { batchSize: 100 },
    eventSource: FetchEventSource,
  });
  return { db, replication };
}
