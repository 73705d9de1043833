// The local database: RxDB on IndexedDB (the Dexie storage), one database per signed-in
// user so that two accounts on one browser never see each other's documents. It holds the
// orders the app shows and every other collection the server lists.
import { createRxDatabase, type RxCollection, type RxDatabase, type RxJsonSchema } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import ordersSchemaJson from './orders.schema.json';
import { API_BASE } from './session';

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
/** orders, and every other collection the server lists, by the server's name */
export type AppDatabase = RxDatabase<{ orders: OrderCollection } & Record<string, RxCollection<any>>>;

export const ordersSchema = ordersSchemaJson as unknown as RxJsonSchema<Order>;

/** One entry of the server's listing (GET /api/v1/sync). */
export interface ListedCollection {
  name: string;
  schemaVersion: number;
  schema: RxJsonSchema<any>;
}

const LISTING_KEY = 'rxsync.collections';

/**
 * The collections to keep on the device: every one the server lists (it decides what the
 * user sees of each), from the listing when the server answers, else from the last listing
 * kept in localStorage, else the bundled orders schema alone: the app starts offline.
 */
export async function listedCollections(): Promise<ListedCollection[]> {
  try {
    const res = await fetch(`${API_BASE}/api/v1/sync`, { headers: { Accept: 'application/json' } });
    if (res.ok) {
      const listing = (await res.json()) as ListedCollection[];
      localStorage.setItem(LISTING_KEY, JSON.stringify(listing));
      return listing;
    }
  } catch {
    // offline: the kept listing below
  }
  try {
    const kept = JSON.parse(localStorage.getItem(LISTING_KEY) ?? 'null') as ListedCollection[] | null;
    if (kept?.length) return kept;
  } catch {
    // unreadable: the bundled schema
  }
  return [{ name: 'orders', schemaVersion: ordersSchema.version, schema: ordersSchema }];
}

export async function openAppDatabase(userId: string, listed: ListedCollection[]): Promise<AppDatabase> {
  const db = await createRxDatabase<any>({
    // database names allow lower-case letters, digits, - and _: a uuid fits
    name: `rxsync-orders-${userId.toLowerCase()}`,
    storage: getRxStorageDexie(),
    // several tabs of one user share the database; only the leader tab replicates
    multiInstance: true,
  });
  // No conflictHandler: RxDB's default one keeps the server's document (server wins).
  await db.addCollections({ orders: { schema: ordersSchema } });
  for (const { name, schema } of listed) {
    if (name === 'orders') continue; // the bundled schema, equal to the listed one (the browser test checks it)
    try {
      // a newer schema version keeps the documents as they are; replication brings the new state
      const keep = Object.fromEntries(Array.from({ length: schema.version }, (_, i) => [i + 1, (doc: unknown) => doc]));
      await db.addCollections({ [name]: { schema, migrationStrategies: keep } });
    } catch (e) {
      console.warn(`collection ${name} is not kept on this device`, e);
    }
  }
  return db as AppDatabase;
}
