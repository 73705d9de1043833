// The local database: RxDB on IndexedDB (the Dexie storage), one database per signed-in
// user so that two accounts on one browser never see each other's orders.
import { createRxDatabase, type RxCollection, type RxDatabase, type RxJsonSchema } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import ordersSchemaJson from './orders.schema.json';

export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** An order as the server's schema describes it (GET /api/v1/sync lists the same schema;
 * the browser test checks that this copy matches it). */
export interface Order {
  id: string;
  userId: string;
  status: OrderStatus;
  totalCents: number;
  currency: string;
  note?: string;
  /** Free-form; the app keeps the client's creation time here to sort newest first. */
  metadata?: { createdAt?: string };
}

export type OrderCollection = RxCollection<Order>;
export type OrdersDatabase = RxDatabase<{ orders: OrderCollection }>;

export const ordersSchema = ordersSchemaJson as unknown as RxJsonSchema<Order>;

export async function openOrdersDatabase(userId: string): Promise<OrdersDatabase> {
  const db = await createRxDatabase<{ orders: OrderCollection }>({
    // database names allow lower-case letters, digits, - and _: a uuid fits
    name: `rxsync-orders-${userId.toLowerCase()}`,
    storage: getRxStorageDexie(),
    // several tabs of one user share the database; only the leader tab replicates
    multiInstance: true,
  });
  // No conflictHandler: RxDB's default one keeps the server's document (server wins).
  await db.addCollections({ orders: { schema: ordersSchema } });
  return db;
}
