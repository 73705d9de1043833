// The app's sync: the orders collection replicating with rxsync (rxsync-replication.ts),
// paused while the browser is offline, and the state the sync indicator shows.
import type { Order, OrderCollection } from './database';
import { replicateRxsync } from './rxsync-replication';
import { API_BASE } from './session';

export interface SyncState {
  /** false while the browser is offline or the server cannot be reached */
  online: boolean;
  /** a pull or push is running */
  syncing: boolean;
  /** documents whose push the server answered with a conflict, resolved by keeping the
   * server's version (RxDB's default conflict handler), since the user's last change */
  conflictsResolved: number;
  /** the server refused the token (expired): the user must log in again */
  signedOut: boolean;
}

export class OrdersSync {
  readonly state: SyncState = { online: navigator.onLine, syncing: false, conflictsResolved: 0, signedOut: false };
  private readonly listeners = new Set<(s: SyncState) => void>();
  private readonly sync: ReturnType<typeof replicateRxsync<Order>>;

  constructor(collection: OrderCollection, private token: string) {
    this.sync = replicateRxsync({
      collection,
      url: `${API_BASE}/api/v1/sync/orders/0`,
      token: () => this.token,
      onConflicts: (count) => this.update({ conflictsResolved: this.state.conflictsResolved + count }),
      onReachable: (reachable) => { if (this.state.online !== reachable) this.update({ online: reachable }); },
      onUnauthorized: () => this.signOut(),
    });
    const replication = this.sync.replication;
    replication.active$.subscribe((active) => this.update({ syncing: active }));
    replication.error$.subscribe((error) => {
      // RxDB retries by itself; a failed fetch (no answer at all) means the server is unreachable
      const cause = (error as { parameters?: { errors?: unknown[] } }).parameters?.errors?.[0] ?? error;
      if (cause instanceof TypeError) this.update({ online: false });
      console.warn('replication error', cause);
    });
    window.addEventListener('online', this.goOnline);
    window.addEventListener('offline', this.goOffline);
  }

  async start(): Promise<void> {
    if (navigator.onLine) this.sync.openStream();
    await this.sync.replication.start();
  }

  /** A renewed token: the stream reopens with it before the old one expires (the server would close it then). */
  setToken(token: string): void {
    this.token = token;
    if (navigator.onLine && !this.state.signedOut) this.sync.openStream();
  }

  subscribe(listener: (s: SyncState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  /** The user changed something: earlier conflicts are history. */
  clearConflicts(): void {
    if (this.state.conflictsResolved) this.update({ conflictsResolved: 0 });
  }

  async stop(): Promise<void> {
    window.removeEventListener('online', this.goOnline);
    window.removeEventListener('offline', this.goOffline);
    this.sync.closeStream();
    await this.sync.replication.cancel();
  }

  private readonly goOffline = () => {
    this.update({ online: false });
    this.sync.closeStream();
    void this.sync.replication.pause();
  };

  private readonly goOnline = () => {
    if (this.state.signedOut) return;
    // start() resumes the paused replication: it pushes what was written offline and
    // pulls what changed meanwhile; the reopened stream keeps it live afterwards
    this.sync.openStream();
    void this.sync.replication.start().then(() => this.sync.replication.reSync());
  };

  private signOut(): void {
    if (this.state.signedOut) return;
    this.update({ signedOut: true });
    this.sync.closeStream();
    void this.sync.replication.pause();
  }

  private update(change: Partial<SyncState>): void {
    Object.assign(this.state, change);
    for (const listener of this.listeners) listener(this.state);
  }
}
