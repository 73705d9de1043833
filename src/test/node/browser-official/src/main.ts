// Test page for the README's official client: the browser test calls window.official.
import { syncOrders } from './official-client';

type Synced = Awaited<ReturnType<typeof syncOrders>>;
let synced: Synced | null = null;
const errors: string[] = [];

(window as any).official = {
  async start(serverUrl: string, token: string) {
    const listing = await (await fetch(`${serverUrl}/api/v1/sync`, {
      headers: { Authorization: `Bearer ${token}` },
    })).json();
    const schema = listing.find((c: { name: string }) => c.name === 'orders').schema;
    synced = await syncOrders(serverUrl, token, schema);
    synced.replication.error$.subscribe((e) => errors.push(String(e)));
    await synced.replication.awaitInitialReplication();
  },
  async insert(order: object) {
    await synced!.db.orders.insert(order);
  },
  async docs() {
    const found = await synced!.db.orders.find().exec();
    return found.map((d) => d.toJSON()).sort((a: any, b: any) => (a.id < b.id ? -1 : 1));
  },
  errors: () => errors,
};
