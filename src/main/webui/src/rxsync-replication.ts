// Replicates RxDB collections with rxsync: for each, RxDB's plain replicateRxCollection with
// handlers for the server's pull and push routes; for all of them together ONE live stream
// (GET /api/v1/sync/stream?collections=…), whose events are named by their collection and
// fanned out to each replication's stream$. A browser opens at most six connections to a host
// over HTTP/1.1: one stream per collection would take them all from six collections on, and
// the pulls and pushes would wait for good. Copy this file and fetch-event-source.ts into an
// app (README, "Client integration").
import { Subject } from 'rxjs';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import type { RxCollection, RxReplicationPullStreamItem, WithDeleted } from 'rxdb';
import FetchEventSource from './fetch-event-source';

/** The server's checkpoint: the last transaction id (`lwt`) and document id of a page. */
export interface RxsyncCheckpoint {
  lwt: number | string;
  id: string;
}

export interface RxsyncOptions {
  /** the server, e.g. https://sync.example.com ('' for the page's own origin) */
  server: string;
  /** by the server's collection name: the local collection and the schema version it has */
  collections: Record<string, { collection: RxCollection<any>; version: number }>;
  /** the current token; sent as `Authorization: Bearer …`, never in a URL */
  token: () => string;
  /** a push was answered with conflicts: RxDB resolves them with the collection's
   * conflict handler (the default one keeps the server's version) */
  onConflicts?: (collection: string, count: number) => void;
  /** the stream opened (true), or failed without an answer from the server (false) */
  onReachable?: (reachable: boolean) => void;
  /** the server refused the token (401): the user must log in again */
  onUnauthorized?: () => void;
}

export type RxsyncReplication = RxReplicationState<any, RxsyncCheckpoint>;

export function replicateRxsync(options: RxsyncOptions) {
  const authorization = () => ({ Authorization: `Bearer ${options.token()}` });
  const names = Object.keys(options.collections);
  const streams = new Map<string, Subject<RxReplicationPullStreamItem<any, RxsyncCheckpoint>>>();
  const replications: Record<string, RxsyncReplication> = {};

  for (const name of names) {
    const { collection, version } = options.collections[name];
    const url = `${options.server}/api/v1/sync/${name}/${version}`;
    const stream$ = new Subject<RxReplicationPullStreamItem<any, RxsyncCheckpoint>>();
    streams.set(name, stream$);
    const call = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(url + path, {
        ...init,
        headers: { ...authorization(), Accept: 'application/json', 'Content-Type': 'application/json' },
      });
      if (res.status === 401) options.onUnauthorized?.();
      if (!res.ok) throw new Error(`rxsync ${name}${path}: ${res.status} ${await res.text()}`);
      options.onReachable?.(true);
      return res.json();
    };
    replications[name] = replicateRxCollection<any, RxsyncCheckpoint>({
      collection,
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
          const conflicts: WithDeleted<any>[] = await call('/push', { method: 'POST', body: JSON.stringify(rows) });
          if (conflicts.length) options.onConflicts?.(name, conflicts.length);
          return conflicts;
        },
      },
    });
  }

  // The live stream: an event named by a collection carries a batch of its changes with its
  // checkpoint, or RESYNC (the server asks that collection to pull from its checkpoint);
  // 'RESYNC' on a stream$ makes RxDB pull what changed while the stream was not open.
  let source: FetchEventSource | null = null;
  // Twice: RxDB 17's downstream drops a RESYNC that it finds queued behind a frame still
  // waiting there (while a push or a pull runs), and the new stream's first frame would
  // then move the checkpoint past what changed meanwhile. Of two in a row one always runs
  // (the Node suite's scenario 14).
  function requestResync(name: string) {
    streams.get(name)?.next('RESYNC');
    streams.get(name)?.next('RESYNC');
  }
  const resyncAll = () => names.forEach(requestResync);
  function closeStream() {
    source?.close();
    source = null;
  }
  function openStream() {
    closeStream();
    const list = names.map((name) => `${name}:${options.collections[name].version}`).join(',');
    source = new FetchEventSource(`${options.server}/api/v1/sync/stream?collections=${encodeURIComponent(list)}`,
      { headers: authorization() });
    source.onopen = () => {
      options.onReachable?.(true);
      resyncAll(); // every collection is registered on the server before this answer arrived
    };
    for (const name of names) {
      source.addEventListener(name, (event) => {
        if (event.data === 'RESYNC') requestResync(name);
        else streams.get(name)!.next(JSON.parse(event.data));
      });
    }
    source.onerror = (event) => {
      if (event.status === 401) {
        closeStream();
        options.onUnauthorized?.();
        return;
      }
      if (event.status === undefined) options.onReachable?.(false);
      resyncAll(); // it reconnects by itself
    };
  }

  const all = Object.values(replications);
  return {
    replications,
    openStream,
    closeStream,
    start: () => Promise.all(all.map((r) => r.start())),
    pause: () => Promise.all(all.map((r) => r.pause())),
    cancel: () => Promise.all(all.map((r) => r.cancel())),
    reSync: () => all.forEach((r) => r.reSync()),
  };
}
