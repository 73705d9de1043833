// Replicates one RxDB collection with rxsync: RxDB's plain replicateRxCollection with
// handlers for the server's three routes. Copy this file and fetch-event-source.ts into an
// app (README, "Client integration").
import { Subject } from 'rxjs';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import type { RxCollection, RxReplicationPullStreamItem, WithDeleted } from 'rxdb';
import FetchEventSource from './fetch-event-source';

/** The server's checkpoint: the last transaction id (`lwt`) and document id of a page. */
export interface RxsyncCheckpoint {
  lwt: number | string;
  id: string;
}

export interface RxsyncOptions<T> {
  collection: RxCollection<T>;
  /** the collection's base URL, e.g. https://sync.example.com/api/v1/sync/orders/0 */
  url: string;
  /** the current token; sent as `Authorization: Bearer …`, never in a URL */
  token: () => string;
  /** the push was answered with conflicts: RxDB resolves them with the collection's
   * conflict handler (the default one keeps the server's version) */
  onConflicts?: (count: number) => void;
  /** the stream opened (true), or failed without an answer from the server (false) */
  onReachable?: (reachable: boolean) => void;
  /** the server refused the token (401): the user must log in again */
  onUnauthorized?: () => void;
}

export function replicateRxsync<T>(options: RxsyncOptions<T>) {
  const { url } = options;
  const stream$ = new Subject<RxReplicationPullStreamItem<T, RxsyncCheckpoint>>();
  const authorization = () => ({ Authorization: `Bearer ${options.token()}` });

  async function call(path: string, init: RequestInit = {}) {
    const res = await fetch(url + path, {
      ...init,
      headers: { ...authorization(), Accept: 'application/json', 'Content-Type': 'application/json' },
    });
    if (res.status === 401) options.onUnauthorized?.();
    if (!res.ok) throw new Error(`rxsync ${path}: ${res.status} ${await res.text()}`);
    options.onReachable?.(true);
    return res.json();
  }

  const replication = replicateRxCollection<T, RxsyncCheckpoint>({
    collection: options.collection,
    replicationIdentifier: `rxsync:${url}`,
    live: true,
    retryTime: 2000,
    deletedField: '_deleted',
    autoStart: false,
    pull: {
      batchSize: 200,
      handler: async (checkpoint, batchSize) => {
        const lwt = checkpoint?.lwt ?? 0;
        const id = encodeURIComponent(checkpoint?.id ?? '');
        const page = await call(`/pull?lwt=${lwt}&id=${id}&limit=${batchSize}`);
        return { documents: page.documents, checkpoint: page.checkpoint };
      },
      stream$: stream$.asObservable(),
    },
    push: {
      batchSize: 50,
      handler: async (rows) => {
        const conflicts: WithDeleted<T>[] = await call('/push', { method: 'POST', body: JSON.stringify(rows) });
        if (conflicts.length) options.onConflicts?.(conflicts.length);
        return conflicts;
      },
    },
  });

  // The live stream: each frame is a batch of changes with its checkpoint; 'RESYNC' makes
  // RxDB pull what changed while the stream was not open.
  let source: FetchEventSource | null = null;
  // Twice: RxDB 17's downstream drops a RESYNC that it finds queued behind a frame still
  // waiting there (while a push or a pull runs), and the new stream's first frame would
  // then move the checkpoint past what changed meanwhile. Of two in a row one always runs
  // (the Node suite's scenario 14).
  function requestResync() {
    stream$.next('RESYNC');
    stream$.next('RESYNC');
  }
  function closeStream() {
    source?.close();
    source = null;
  }
  function openStream() {
    closeStream();
    source = new FetchEventSource(`${url}/pullStream`, { headers: authorization() });
    source.onopen = () => {
      options.onReachable?.(true);
      requestResync();
    };
    source.onmessage = (event) => stream$.next(JSON.parse(event.data));
    source.onerror = (event) => {
      if (event.status === 401) {
        closeStream();
        options.onUnauthorized?.();
        return;
      }
      if (event.status === undefined) options.onReachable?.(false);
      requestResync(); // it reconnects by itself
    };
  }

  return { replication, openStream, closeStream };
}
