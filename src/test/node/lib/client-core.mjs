// Client-kind independent part of the RxDB test clients. It imports nothing from RxDB
// itself: each clients-vNN/ folder passes in its own rxdb, rxdb-server and eventsource
// modules (they must resolve from that folder's node_modules), see clients-v15/index.mjs
// and clients-v17/index.mjs.
//
// A client is one RxDB database with memory storage (multiInstance: false) holding one
// collection whose schema is taken from the server's listing, plus one replication of it
// with the server. The replication can be stopped (cancelled, EventSource closed: the
// client is "offline") and started again with the same replicationIdentifier, so that it
// goes on from its stored checkpoint and assumed master states.

let dbCounter = 0;

/** Strips RxDB's internal fields; keeps `_deleted` only when `keepDeleted`. */
export function plainDoc(d, keepDeleted = false) {
    const out = {};
    for (const [k, v] of Object.entries(d)) {
        if (k === '_rev' || k === '_meta' || k === '_attachments') continue;
        if (k === '_deleted' && !keepDeleted) continue;
        out[k] = v;
    }
    if (keepDeleted) out._deleted = !!d._deleted;
    return out;
}

/**
 * Asks RxDB's downstream for a catch-up pull (RESYNC) so that the request cannot be lost.
 *
 * rxdb 15 to 17 (replication-protocol/downstream, addNewTask) drain their task queue in
 * rounds; a round collects document tasks (stream frames) until it meets a RESYNC, and
 * when it has already collected one it takes that RESYNC out of the queue and stops,
 * without putting it back: the RESYNC is dropped. That happens when a frame is still
 * queued as the stream (re)opens (the queue is busy with a push or a pull, or frames wait
 * for a push to end), and then the new stream's first frame moves the checkpoint past
 * the changes the client had not pulled yet that committed before the new stream was
 * registered: nothing delivers them any more, not even a restart (issue 12, load test 21
 * with stream cycles). A second RESYNC right behind the first
 * survives: a round takes at most one RESYNC out of the queue, and the next round starts
 * with the second one. When the first one is not dropped, the second is skipped by RxDB
 * itself (it came before the pull the first one started).
 */
export function requestResync(stream$) {
    stream$.next('RESYNC');
    stream$.next('RESYNC');
}

/** The custom merge used by the offline-conflict scenario: the server's document, with
 * both notes kept. */
export function mergeOrders(realMasterState, forkState) {
    const notes = [realMasterState.note, forkState.note].filter((n) => n);
    const merged = { ...plainDoc(realMasterState, true) };
    if (notes.length) merged.note = notes.join(' | ');
    return merged;
}

/**
 * deps: {
 *   version: 15 | 17,
 *   createRxDatabase, getRxStorageMemory, replicateRxCollection, deepEqual, Subject,
 *   replicateServer?   (official rxdb-server client, v15 only),
 *   EventSource, eventSourceMajor: 2 | 5,
 *   defaultConflictHandler (v17 object form; v15 function form),
 *   wrappedValidateAjvStorage?   (RxDB's schema validation plugin, for opts.validate)
 * }
 */
export function makeClientFactory(deps) {
    const kinds = deps.replicateServer ? ['official', 'plain'] : ['plain'];

    function conflictHandlerFor(mode, stats) {
        const resolveWith = mode === 'merge'
            ? (i) => mergeOrders(i.realMasterState, i.newDocumentState)
            : typeof mode === 'function' ? mode : (i) => i.realMasterState;
        if (deps.version === 15) {
            // v15: one async function, also used for equality checks
            return async (i, context) => {
                const a = plainDoc(i.newDocumentState, true);
                const b = plainDoc(i.realMasterState, true);
                if (deps.deepEqual(a, b)) return { isEqual: true };
                if (context === 'replication-resolve-conflict') {
                    stats.conflicts.push({ real: b, fork: a });
                }
                return { isEqual: false, documentData: resolveWith(i) };
            };
        }
        // v16+: {isEqual, resolve}
        return {
            isEqual: (a, b, ctx) => deps.defaultConflictHandler.isEqual(a, b, ctx),
            resolve: async (i) => {
                stats.conflicts.push({
                    real: plainDoc(i.realMasterState, true),
                    fork: plainDoc(i.newDocumentState, true),
                });
                return resolveWith(i);
            },
        };
    }

    function validatingStorage(storage) {
        if (!deps.wrappedValidateAjvStorage) throw new Error(`rxdb ${deps.version}: no schema validation plugin here`);
        return deps.wrappedValidateAjvStorage({ storage });
    }

    function openEventSource(url, token) {
        if (deps.eventSourceMajor === 2) {
            return new deps.EventSource(url, { headers: { Authorization: `Bearer ${token}` } });
        }
        return new deps.EventSource(url, {
            fetch: (input, init) => {
                const headers = new Headers(init && init.headers);
                headers.set('Authorization', `Bearer ${token}`);
                return fetch(input, { ...init, headers });
            },
        });
    }

    /**
     * opts: {kind: 'official'|'plain', base, token, schema, collection = 'orders',
     *        conflict = 'default'|'merge'|fn, pullBatchSize, pushBatchSize,
     *        retryTime = 1000, label,
     *        recordDocs: keep every document the server sent (stats.received),
     *        validate: RxDB's schema validation plugin on the storage, so that every document
     *        the replication writes (pulled, streamed, a conflict's server state) must pass
     *        the collection's schema or the write fails,
     *        streamBase = base: the server the pullStream connects to, or a function
     *        asked at every stream open (behind a load balancer a client's stream and its
     *        pulls and pushes may reach different instances)}
     */
    async function createClient(opts) {
        const kind = opts.kind;
        if (!kinds.includes(kind)) throw new Error(`rxdb ${deps.version}: no client kind ${kind}`);
        const collectionName = opts.collection || 'orders';
        const label = opts.label || 'client';
        const stats = {
            pulls: [], // {checkpoint, batchSize, returned, nextCheckpoint, at}
            pushes: [], // {rows, conflicts, at}
            accepted: [], // {id, assumed, doc, at}: every pushed row the server accepted
            streamEvents: 0,
            streamIds: new Set(), // ids of every document that arrived in a stream frame
            received: [], // with opts.recordDocs: {via: 'pull'|'frame'|'conflict', doc} as the server sent it
            pulledIds: new Set(), // ids of every document a pull returned
            resyncs: 0,
            conflicts: [],
            starts: 0,
            unauthorized: 0, // official client: unauthorized$ emissions
            forbidden: 0, // official client: forbidden$ emissions
            // every pull, push, stream frame and stream open/close in order, with the
            // documents' notes: what load test 21 prints for a document that ended stale
            trace: [],
        };
        const t0 = Date.now();
        // the fields that tell one write from another (orders: note, status; list items: title, listId)
        const summary = (docs) => (docs || []).map((d) => ({
            id: d.id, note: d.note, status: d.status, title: d.title, listId: d.listId, deleted: !!d._deleted,
        }));
        const trace = (what, fields) => stats.trace.push({ at: Date.now() - t0, what, ...fields });
        const errors = [];
        const db = await deps.createRxDatabase({
            name: `e2e${deps.version}${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}${++dbCounter}${process.pid}`,
            storage: opts.validate
                ? validatingStorage(deps.getRxStorageMemory()) : deps.getRxStorageMemory(),
            multiInstance: false,
            eventReduce: true,
        });
        const cols = await db.addCollections({
            [collectionName]: {
                schema: structuredClone(opts.schema),
                // 'builtin': RxDB's own default handler, untouched (no conflict counting)
                ...(opts.conflict === 'builtin'
                    ? {} : { conflictHandler: conflictHandlerFor(opts.conflict || 'default', stats) }),
            },
        });
        const col = cols[collectionName];
        const url = `${opts.base}/api/v1/sync/${collectionName}/0`;
        const streamBase = typeof opts.streamBase === 'function' ? opts.streamBase : () => opts.streamBase ?? opts.base;
        const streamUrl = () => `${streamBase()}/api/v1/sync/${collectionName}/0/pullStream`;
        const replicationIdentifier = `rxsync:${url}`;
        const retryTime = opts.retryTime ?? 1000;
        let token = opts.token;

        let rep = null;
        let es = null;
        let errSub = null;
        let paused = false;
        let openStream = () => {};
        let generation = 0; // numbers the EventSources this client opens, for the trace

        function countFrame(raw, source) {
            stats.streamEvents++;
            const data = JSON.parse(raw);
            trace('frame', {
                stream: source && source.generation, current: !!source && source === es,
                checkpoint: data && data.checkpoint, docs: summary(data && data.documents),
            });
            for (const d of (data && data.documents) || []) {
                stats.streamIds.add(d.id);
                if (opts.recordDocs) stats.received.push({ via: 'frame', doc: d });
            }
            return data;
        }

        function instrument(r) {
            const pull = r.pull;
            const push = r.push;
            if (pull) {
                const orig = pull.handler;
                pull.handler = async (checkpoint, batchSize) => {
                    const entry = { checkpoint, batchSize, at: Date.now() };
                    stats.pulls.push(entry);
                    const n = stats.pulls.length;
                    trace('pull', { n, checkpoint });
                    const res = await orig(checkpoint, batchSize);
                    trace('pulled', { n, checkpoint: res.checkpoint, docs: summary(res.documents) });
                    entry.returned = res.documents.length;
                    for (const d of res.documents) {
                        stats.pulledIds.add(d.id);
                        if (opts.recordDocs) stats.received.push({ via: 'pull', doc: d });
                    }
                    entry.nextCheckpoint = res.checkpoint;
                    return res;
                };
            }
            if (push) {
                const orig = push.handler;
                push.handler = async (rows) => {
                    const entry = { rows: rows.length, at: Date.now() };
                    stats.pushes.push(entry);
                    const n = stats.pushes.length;
                    trace('push', {
                        n, docs: summary(rows.map((row) => row.newDocumentState)),
                        assumed: summary(rows.map((row) => row.assumedMasterState).filter((d) => d)),
                    });
                    const res = await orig(rows);
                    trace('pushed', { n, conflicts: summary(Array.isArray(res) ? res : []) });
                    entry.conflicts = Array.isArray(res) ? res.length : res;
                    if (opts.recordDocs && Array.isArray(res)) {
                        for (const d of res) stats.received.push({ via: 'conflict', doc: d });
                    }
                    // the writes the server answered as accepted (a row is accepted unless its
                    // document comes back as a conflict), for the convergence test's log
                    const conflicting = new Set((Array.isArray(res) ? res : []).map((d) => d.id));
                    for (const row of rows) {
                        const doc = row.newDocumentState;
                        if (conflicting.has(doc.id)) continue;
                        stats.accepted.push({
                            id: doc.id,
                            assumed: row.assumedMasterState ? plainDoc(row.assumedMasterState, true) : null,
                            doc: plainDoc(doc, true),
                            at: Date.now(),
                        });
                    }
                    return res;
                };
            }
        }

        function buildPlain() {
            const stream$ = new deps.Subject();
            const headers = () => ({
                Accept: 'application/json',
                'Content-Type': 'application/json',
                Authorization: `Bearer ${token}`,
            });
            const r = deps.replicateRxCollection({
                collection: col,
                replicationIdentifier,
                live: true,
                retryTime,
                autoStart: false,
                waitForLeadership: false,
                deletedField: '_deleted',
                pull: {
                    batchSize: opts.pullBatchSize ?? 100,
                    async handler(checkpoint, batchSize) {
                        const lwt = checkpoint ? checkpoint.lwt : 0;
                        const id = checkpoint ? checkpoint.id : '';
                        const res = await fetch(`${url}/pull?lwt=${lwt}&id=${encodeURIComponent(id)}`
                            + `&limit=${batchSize}`, { headers: headers() });
                        if (!res.ok) {
                            throw new Error(`pull ${res.status}: ${await res.text()}`);
                        }
                        const data = await res.json();
                        return { documents: data.documents, checkpoint: data.checkpoint };
                    },
                    stream$: stream$.asObservable(),
                },
                push: {
                    batchSize: opts.pushBatchSize ?? 100,
                    async handler(rows) {
                        const res = await fetch(`${url}/push`, {
                            method: 'POST', headers: headers(), body: JSON.stringify(rows),
                        });
                        if (!res.ok) {
                            throw new Error(`push ${res.status}: ${await res.text()}`);
                        }
                        return res.json();
                    },
                },
            });
            const open = () => {
                const source = openEventSource(streamUrl(), token);
                source.generation = ++generation;
                trace('stream-open', { stream: source.generation });
                source.onopen = () => {
                    stats.resyncs++;
                    trace('resync', { stream: source.generation, on: 'open', current: source === es });
                    requestResync(stream$);
                };
                source.onerror = () => {
                    trace('resync', { stream: source.generation, on: 'error', current: source === es });
                    stats.resyncs++;
                    requestResync(stream$);
                    // Both eventsource versions give up for good on a non-200 answer (a 401
                    // once the token expired, a 503 while the server restarts), eventsource 2
                    // only right after this handler; a real app then opens a new one with
                    // its current token.
                    setTimeout(() => {
                        if (source.readyState === 2 && es === source) open();
                    }, retryTime);
                };
                source.onmessage = (ev) => {
                    const data = countFrame(ev.data, source);
                    stream$.next({ documents: data.documents, checkpoint: data.checkpoint });
                };
                es = source;
            };
            return { r, open };
        }

        // The official client wires its own onmessage/onopen (eventsource 2 drops other
        // listeners when they are set), so a subclass wraps those setters to count.
        function countingEventSource() {
            const Base = deps.EventSource;
            return class CountingEventSource extends Base {
                constructor(target, ...rest) {
                    // the official client opens `${url}/pullStream`; the stream goes to streamBase
                    super(target === `${url}/pullStream` ? streamUrl() : target, ...rest);
                    es = this;
                }

                get onmessage() { return this._countedOnMessage; }

                set onmessage(fn) {
                    this._countedOnMessage = fn;
                    super.onmessage = (ev) => { countFrame(ev.data, this); return fn(ev); };
                }

                get onopen() { return this._countedOnOpen; }

                set onopen(fn) {
                    this._countedOnOpen = fn;
                    super.onopen = (ev) => { stats.resyncs++; return fn(ev); };
                }
            };
        }

        function buildOfficial() {
            const r = deps.replicateServer({
                collection: col,
                replicationIdentifier,
                url,
                headers: { Authorization: `Bearer ${token}` },
                live: true,
                retryTime,
                autoStart: false,
                waitForLeadership: false,
                pull: { batchSize: opts.pullBatchSize ?? 100 },
                push: { batchSize: opts.pushBatchSize ?? 100 },
                eventSource: countingEventSource(),
            });
            return { r, open: () => {} };
        }

        const client = {
            kind: `${kind}-v${deps.version}`,
            label,
            db,
            col,
            stats,
            errors,
            get rep() { return rep; },
            get es() { return es; },
            /** RxDB 16+ replications can pause(); the official 15.x client and v15 cannot. */
            canPause: kind === 'plain' && deps.version >= 16,
            /** The plain clients own their EventSource, so the stream alone can close and reopen. */
            canCycleStream: kind === 'plain',

            /**
             * Closes the live stream only (plain clients); pulls and pushes go on. Changes
             * made meanwhile arrive with the pull that openStream() triggers (RESYNC).
             */
            closeStream() {
                if (!client.canCycleStream) throw new Error(`${client.kind} cannot close its stream alone`);
                if (es) { trace('stream-close', { stream: es.generation }); es.close(); es = null; }
            },

            /** Opens the stream again (on streamBase's next answer) after closeStream(). */
            openStream() {
                if (!client.canCycleStream) throw new Error(`${client.kind} cannot open its stream alone`);
                if (!es && rep && !rep.isStopped() && !paused) openStream();
            },

            /** Starts (or restarts) replicating from the stored checkpoint. */
            async start() {
                if (rep && paused) {
                    // resume a paused replication (v16+): reopen the stream, unpause
                    paused = false;
                    stats.starts++;
                    openStream();
                    await rep.start();
                    return;
                }
                if (rep && !rep.isStopped()) return;
                const { r, open } = kind === 'official' ? buildOfficial() : buildPlain();
                instrument(r);
                errSub = r.error$.subscribe((e) => {
                    errors.push(e);
                    if (process.env.RXSYNC_E2E_DEBUG) console.error(`[${label}] error$`, e);
                });
                if (r.unauthorized$) r.unauthorized$.subscribe(() => { stats.unauthorized++; });
                if (r.forbidden$) r.forbidden$.subscribe(() => { stats.forbidden++; });
                rep = r;
                openStream = open;
                stats.starts++;
                open();
                await r.start();
            },

            /**
             * Goes offline: closes the stream and cancels the replication, or with
             * {pause: true} pauses it (RxDB 16+ only; start() resumes it).
             */
            async stop({ pause = false } = {}) {
                if (es) { es.close(); es = null; }
                if (pause) {
                    if (!rep || typeof rep.pause !== 'function' || kind === 'official') {
                        throw new Error(`${client.kind} cannot pause`);
                    }
                    await rep.pause();
                    paused = true;
                    return;
                }
                paused = false;
                if (rep && !rep.isStopped()) await rep.cancel();
                if (errSub) { errSub.unsubscribe(); errSub = null; }
            },

            setToken(t) {
                token = t;
                if (rep && rep.setHeaders) rep.setHeaders({ Authorization: `Bearer ${t}` });
            },

            async awaitInSync() {
                return rep.awaitInSync();
            },

            /** The non-deleted documents, as plain objects without `_deleted`, by id. */
            async docs() {
                const found = await col.find().exec();
                return found.map((d) => plainDoc(d.toJSON(true))).sort(byId);
            },

            async doc(id) {
                const d = await col.findOne(id).exec();
                return d ? plainDoc(d.toJSON(true)) : null;
            },

            /** Storage-level state of the given ids, tombstones included (with `_deleted`). */
            async stored(ids) {
                const found = await col.storageInstance.findDocumentsById(ids, true);
                const list = Array.isArray(found) ? found : Object.values(found);
                return list.map((d) => plainDoc(d, true)).sort(byId);
            },

            async close() {
                await client.stop().catch(() => {});
                await db.remove().catch(() => db.close?.());
            },
        };
        return client;
    }

    // deps: the version's own RxDB modules, for scenarios that drive a replication directly
    return { createClient, kinds, version: deps.version, deps };
}

const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
