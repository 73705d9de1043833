// Replication of the local orders with rxsync: RxDB's plain replicateRxCollection with
// handlers for the server's three routes (pull, push, pullStream), and the state the sync
// indicator shows.
import { Subject } from 'rxjs';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import type { RxReplicationPullStreamItem, WithDeleted } from 'rxdb';
import type { Order, OrderCollection } from './database';
import FetchEventSource from './fetch-event-source';
import { API_BASE } from './session';

/** The server's checkpoint: the last transaction id (as `lwt`) and document id of a page. */
interface Checkpoint {
  lwt: number | string;
  id: string;
}

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

const RETRY_MS = 2000;

/** Thrown for answers the server gave; network failures stay TypeErrors from fetch(). */
class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export class OrdersSync {
  readonly state: SyncState = { online: navigator.onLine, syncing: false, conflictsResolved: 0, signedOut: false };
  private readonly listeners = new Set<(s: SyncState) => void>();
  private readonly stream$ = new Subject<RxReplicationPullStreamItem<Order, Checkpoint>>();
  private readonly replication: RxReplicationState<Order, Checkpoint>;
  private readonly url = `${API_BASE}/api/v1/sync/orders/0`;
  private stream: FetchEventSource | null = null;

  constructor(collection: OrderCollection, private readonly token: string) {
    this.replication = replicateRxCollection<Order, Checkpoint>({
      collection,
      replicationIdentifier: `rxsync-orders-${API_BASE || location.origin}`,
      live: true,
      retryTime: RETRY_MS,
      deletedField: '_deleted',
      autoStart: false,
      pull: {
        batchSize: 200,
        handler: (checkpoint, batchSize) => this.pull(checkpoint, batchSize),
        stream$: this.stream$.asObservable(),
      },
      push: {
        batchSize: 50,
        handler: (rows) => this.push(rows),
      },
    });
    this.replication.active$.subscribe((active) => this.update({ syncing: active }));
    this.replication.error$.subscribe((error) => {
      // a network failure means "offline" for the indicator; RxDB retries by itself
      const cause = (error as { parameters?: { errors?: unknown[] } }).parameters?.errors?.[0] ?? error;
      if (!(cause instanceof HttpError)) this.update({ online: false });
      console.warn('replication error', cause);
    });
    window.addEventListener('online', this.goOnline);
    window.addEventListener('offline', this.goOffline);
  }

  async start(): Promise<void> {
    if (navigator.onLine) this.openStream();
    await this.replication.start();
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

  awaitInSync(): Promise<boolean> {
    return this.replication.awaitInSync();
  }

  async stop(): Promise<void> {
    window.removeEventListener('online', this.goOnline);
    window.removeEventListener('offline', this.goOffline);
    this.closeStreamNow();
    await this.replication.cancel();
  }

  // --- network changes --------------------------------------------------------------

  private readonly goOffline = () => {
    this.update({ online: false });
    this.closeStreamNow();
    void this.replication.pause();
  };

  private readonly goOnline = () => {
    if (this.state.signedOut) return;
    // start() resumes the paused replication: it pushes what was written offline and
    // pulls what changed meanwhile; the reopened stream keeps it live afterwards
    this.openStream();
    void this.replication.start().then(() => this.replication.reSync());
  };

  // --- the three routes ---------------------------------------------------------------

  private async pull(checkpoint: Checkpoint | undefined, batchSize: number) {
    const lwt = checkpoint?.lwt ?? 0;
    const id = encodeURIComponent(checkpoint?.id ?? '');
    const page = await this.request(`${this.url}/pull?lwt=${lwt}&id=${id}&limit=${batchSize}`);
    return { documents: page.documents, checkpoint: page.checkpoint };
  }

  private async push(rows: unknown[]) {
    const conflicts = (await this.request(`${this.url}/push`, {
      method: 'POST',
      body: JSON.stringify(rows),
    })) as WithDeleted<Order>[];
    if (conflicts.length) {
      this.update({ conflictsResolved: this.state.conflictsResolved + conflicts.length });
    }
    return conflicts;
  }

  private async request(url: string, init: RequestInit = {}) {
    const res = await fetch(url, {
      ...init,
      headers: { ...this.authHeaders(), Accept: 'application/json', 'Content-Type': 'application/json' },
    });
    if (res.status === 401) this.signOut();
    if (!res.ok) throw new HttpError(res.status, `${res.status}: ${await res.text()}`);
    if (!this.state.online) this.update({ online: true });
    return res.json();
  }

  /** The live stream: each frame is a batch of changes with its checkpoint. The token
   * goes in the Authorization header (FetchEventSource), never in the URL. */
  private openStream(): void {
    this.closeStreamNow();
    const stream = new FetchEventSource(`${this.url}/pullStream`, { headers: this.authHeaders() });
    stream.onopen = () => {
      this.update({ online: true });
      // whatever changed while the stream was closed is pulled now
      this.stream$.next('RESYNC');
    };
    stream.onmessage = (event) => this.stream$.next(JSON.parse(event.data));
    stream.onerror = (event) => {
      if (event.status === 401) return this.signOut();
      // it reconnects by itself; a failure without an answer means the server is unreachable
      if (event.status === undefined) this.update({ online: false });
      this.stream$.next('RESYNC');
    };
    this.stream = stream;
  }

  private closeStreamNow(): void {
    this.stream?.close();
    this.stream = null;
  }

  private signOut(): void {
    if (this.state.signedOut) return;
    this.update({ signedOut: true });
    this.closeStreamNow();
    void this.replication.pause();
  }

  private authHeaders(): Record<string, string> {
    return { Authorization: `Bearer ${this.token}` };
  }

  private update(change: Partial<SyncState>): void {
    Object.assign(this.state, change);
    for (const listener of this.listeners) listener(this.state);
  }
}
