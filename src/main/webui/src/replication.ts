// The app's sync: every collection of the local database replicating with rxsync
// (rxsync-replication.ts) over one live stream, paused while the browser is offline, and the
// state the sync indicator shows.
import type { AppDatabase, ListedCollection } from './database';
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

export class AppSync {
  readonly state: SyncState = { online: navigator.onLine, syncing: false, conflictsResolved: 0, signedOut: false };
  private readonly listeners = new Set<(s: SyncState) => void>();
  private readonly sync: ReturnType<typeof replicateRxsync>;
  /** the collections whose pull or push is running */
  private readonly active = new Set<string>();

  constructor(db: AppDatabase, listed: ListedCollection[], private token: string) {
    // the collections of the listing that this device keeps (database.ts may have left one out)
    const collections = Object.fromEntries(listed.filter((c) => db.collections[c.name])
      .map((c) => [c.name, { collection: db.collections[c.name], version: c.schemaVersion }]));
    this.sync = replicateRxsync({
      server: API_BASE,
      collections,
      token: () => this.token,
      onConflicts: (_collection, count) => this.update({ conflictsResolved: this.state.conflictsResolved + count }),
      onReachable: (reachable) => { if (this.state.online !== reachable) this.update({ online: reachable }); },
      onUnauthorized: () => this.signOut(),
    });
    for (const [name, replication] of Object.entries(this.sync.replications)) {
      replication.active$.subscribe((active) => {
        if (active) this.active.add(name); else this.active.delete(name);
        if (this.state.syncing !== this.active.size > 0) this.update({ syncing: this.active.size > 0 });
      });
      replication.error$.subscribe((error) => {
        // RxDB retries by itself; a failed fetch (no answer at all) means the server is unreachable
        const cause = (error as { parameters?: { errors?: unknown[] } }).parameters?.errors?.[0] ?? error;
        if (cause instanceof TypeError) this.update({ online: false });
        console.warn(`replication error (${name})`, cause);
      });
    }
    window.addEventListener('online', this.goOnline);
    window.addEventListener('offline', this.goOffline);
  }

  async start(): Promise<void> {
    if (navigator.onLine) this.sync.openStream();
    await this.sync.start();
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
    await this.sync.cancel();
  }

  private readonly goOffline = () => {
    this.update({ online: false });
    this.sync.closeStream();
    void this.sync.pause();
  };

  private readonly goOnline = () => {
    if (this.state.signedOut) return;
    // start() resumes the paused replication: it pushes what was written offline and
    // pulls what changed meanwhile; the reopened stream keeps it live afterwards
    this.sync.openStream();
    void this.sync.start().then(() => this.sync.reSync());
  };

  private signOut(): void {
    if (this.state.signedOut) return;
    this.update({ signedOut: true });
    this.sync.closeStream();
    void this.sync.pause();
  }

  private update(change: Partial<SyncState>): void {
    Object.assign(this.state, change);
    for (const listener of this.listeners) listener(this.state);
  }
}
