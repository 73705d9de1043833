// Scenario 21: convergence under load. 8 real RxDB clients (all client kinds, both
// conflict handlers), two or three per user, insert, update and delete at random and go
// offline now and then, for a fixed time, against two server instances on one database,
// as behind a load balancer: a client pulls and pushes through one instance, and each time
// it opens its stream (at the start and after every offline period, so streams open and
// close throughout the run) it reaches the next instance, so that the stream is often on
// the other one. Plain clients also close and reopen only their stream now and then while
// they keep replicating (RXSYNC_LOAD_STREAM_CYCLES=0 turns that off); each reopening asks
// RxDB for its catch-up pull with requestResync (lib/client-core.mjs), because a single
// RESYNC can be dropped by RxDB (scenario 14). Afterwards every client equals the server, and
// every write the server accepted (logged from each push answer) is either the server's
// final state or the assumed state of another accepted write, i.e. superseded by a write
// that built on it: nothing accepted is lost.
//
// The short version runs in `mvn verify`. The long one: `npm run load:long` in src/test/node
// (100 seeded runs; RXSYNC_LOAD_RUNS, RXSYNC_LOAD_SECONDS, RXSYNC_LOAD_SEED, RXSYNC_LOAD_CLIENTS).
// A seed fixes each client's choices; thread timing still differs between runs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { getSchema, LOG_DIR, newOrder, registerUser, serverOrders, sleep, startEnv, withLogs } from '../lib/harness.mjs';
import { createClient, KINDS } from '../lib/clients.mjs';
import { awaitConverged } from '../lib/assertions.mjs';
import { assertNothingAcceptedIsLost, canon, prng } from '../lib/load.mjs';

const SEED = Number(process.env.RXSYNC_LOAD_SEED ?? 1);
const RUNS = Number(process.env.RXSYNC_LOAD_RUNS ?? 1);
const SECONDS = Number(process.env.RXSYNC_LOAD_SECONDS ?? 20);
const CLIENTS = Number(process.env.RXSYNC_LOAD_CLIENTS ?? 8);
const USERS = 3;
const STATUSES = ['pending', 'paid', 'shipped', 'cancelled'];

let env;
// for narrowing a failure down: RXSYNC_LOAD_INSTANCES=1, no stream-only cycles: RXSYNC_LOAD_STREAM_CYCLES=0
const INSTANCES = Number(process.env.RXSYNC_LOAD_INSTANCES ?? 2);
const STREAM_CYCLES = (process.env.RXSYNC_LOAD_STREAM_CYCLES ?? '1') !== '0';
before(async () => { env = await startEnv({ name: 'load', instances: INSTANCES }); });
after(async () => { if (env) await env.close(); });

/**
 * Now and then edits a random document's note until `until` (offline, or without a stream);
 * returns the number of edits. `next` numbers the client's writes, so that no two are equal.
 */
async function editNotesUntil(client, rnd, until, what, pause, next) {
    let edits = 0;
    while (Date.now() < until) {
        const docs = await client.col.find().exec();
        if (docs.length && rnd() < 0.5) {
            await docs[Math.floor(rnd() * docs.length)].incrementalPatch({ note: `${client.label} ${what} #${next()}` });
            edits++;
        }
        await sleep(pause + rnd() * 2 * pause);
    }
    return edits;
}

/** One client's random work until the deadline; returns what it did. */
async function work(client, rnd, deadline, userId) {
    const did = { inserts: 0, updates: 0, deletes: 0, offline: 0, streamCycles: 0, localConflicts: 0 };
    let n = 0;
    while (Date.now() < deadline) {
        const r = rnd();
        try {
            if (r < 0.3) {
                await client.col.insert(newOrder(userId, {
                    totalCents: Math.floor(rnd() * 100_000), note: `${client.label} #${++n}`,
                }));
                did.inserts++;
            } else if (r < 0.85) {
                const docs = await client.col.find().exec();
                if (docs.length) {
                    const doc = docs[Math.floor(rnd() * docs.length)];
                    if (r < 0.75) {
                        await doc.incrementalPatch({
                            status: STATUSES[Math.floor(rnd() * STATUSES.length)],
                            totalCents: Math.floor(rnd() * 100_000),
                            note: `${client.label} #${++n}`,
                        });
                        did.updates++;
                    } else {
                        await doc.remove();
                        did.deletes++;
                    }
                }
            } else if (r < 0.93) {
                // offline for a while: writes pile up locally and are pushed on return
                await client.stop();
                did.updates += await editNotesUntil(client, rnd, Math.min(deadline, Date.now() + 300 + rnd() * 1500), 'offline', 100, () => ++n);
                await client.start();
                did.offline++;
            } else if (r < 0.97 && client.canCycleStream && STREAM_CYCLES) {
                // the stream alone drops and comes back (on the next instance) while the
                // client keeps writing; what it missed arrives with the RESYNC pull
                client.closeStream();
                did.updates += await editNotesUntil(client, rnd, Math.min(deadline, Date.now() + 50 + rnd() * 800), 'no stream', 50, () => ++n);
                client.openStream();
                did.streamCycles++;
            }
        } catch (e) {
            // a document changed by the replication under our feet: RxDB refuses the local
            // write (409); the user would retry, the test simply goes on
            if (e && (e.code === 'CONFLICT' || e.status === 409 || /conflict/i.test(e.message))) did.localConflicts++;
            else throw e;
        }
        await sleep(10 + rnd() * 120);
    }
    return did;
}

/**
 * After a failed convergence: what each client's stream did, then whether a restart (a
 * pull from the client's own checkpoint) mends it. Mended: the stream stopped delivering.
 * Still wrong: the checkpoint passed a change, which no pull from it brings back.
 */
async function diagnose(mine, user) {
    const lines = [];
    for (const c of mine) {
        lines.push(`${c.label} (${c.kind}): stream readyState=${c.es?.readyState} frames=${c.stats.streamEvents} `
            + `opened=${c.streams.opened} pulls=${c.stats.pulls.length} errors=${c.errors.length} `
            + `resyncsAsked=${c.stats.resyncs} resyncsRun=${c.rep?.internalReplicationState?.stats?.down?.downstreamResyncOnce}`);
    }
    lines.push(...await traceStaleDocuments(mine, user));
    for (const c of mine) {
        await c.stop();
        await c.start();
        await c.awaitInSync();
    }
    try {
        await awaitConverged({ pool: env.pool, base: env.base, user, clients: mine }, { timeout: 10_000 });
        lines.push('after a restart of the replications (a pull from each checkpoint): converged, so a stream stopped delivering');
    } catch (again) {
        lines.push(`after a restart still wrong, so a checkpoint passed a change: ${again.message.slice(0, 300)}`);
    }
    return `\n${lines.join('\n')}`;
}

/**
 * For each document a client holds differently from the server: every pull, push and
 * stream frame that carried it, in order, with the stream opens, closes and RESYNCs in
 * between. The whole trace of each client goes to a file in LOG_DIR.
 */
async function traceStaleDocuments(mine, user) {
    const server = await serverOrders(env.pool, user.userId);
    const lines = [];
    for (const c of mine) {
        const file = path.join(LOG_DIR, `load-trace-${c.label}-${process.pid}.jsonl`);
        fs.mkdirSync(LOG_DIR, { recursive: true });
        fs.writeFileSync(file, c.stats.trace.map((e) => JSON.stringify(e)).join('\n'));
        const stored = new Map((await c.stored(server.map((d) => d.id))).map((d) => [d.id, d]));
        for (const row of server) {
            if (canon(stored.get(row.id)) === canon(row)) continue;
            lines.push(`${c.label} holds ${row.id} as ${JSON.stringify(stored.get(row.id))}, server ${JSON.stringify(row)}; trace in ${file}:`);
            for (const e of c.stats.trace) {
                const docs = [...(e.docs || []), ...(e.assumed || []), ...(e.conflicts || [])];
                const mentions = docs.some((d) => d.id === row.id);
                if (!mentions && !['stream-open', 'stream-close', 'resync'].includes(e.what)) continue;
                const shown = { ...e };
                for (const k of ['docs', 'assumed', 'conflicts']) {
                    if (shown[k]) shown[k] = shown[k].filter((d) => d.id === row.id).map((d) => `${d.note}/${d.status}${d.deleted ? '/deleted' : ''}`);
                }
                lines.push(`  ${JSON.stringify(shown)}`);
            }
        }
    }
    return lines;
}

async function run(seed) {
    const rnd = prng(seed);
    const users = [];
    for (let u = 0; u < USERS; u++) users.push(await registerUser(env.base, `load${seed}`));
    const schema = await getSchema(env.base, users[0].token);
    const clients = [];
    try {
        for (let i = 0; i < CLIENTS; i++) {
            const user = users[i % USERS];
            const home = i % INSTANCES;
            // client 0 starts its stream at home, 1 and 2 on the other instance, 3 at home, …
            let opens = Math.floor(i / INSTANCES);
            const streams = { opened: 0, elsewhere: 0 };
            const c = await createClient({
                kind: KINDS[i % KINDS.length], base: env.servers[home].base, token: user.token, schema,
                conflict: i % 2 === 0 ? 'default' : 'merge', label: `c${i}`, retryTime: 500,
                streamBase: () => {
                    const instance = opens++ % INSTANCES;
                    streams.opened++;
                    if (instance !== home) streams.elsewhere++;
                    return env.servers[instance].base;
                },
            });
            c.user = user;
            c.streams = streams;
            clients.push(c);
            await c.start();
        }
        const started = Date.now();
        const deadline = started + SECONDS * 1000;
        const did = await Promise.all(clients.map((c, i) => work(c, prng(seed * 1000 + i), deadline, c.user.userId)));
        for (const c of clients) await c.start(); // a client may have ended offline
        const quiet = Date.now();
        await Promise.all(clients.map((c) => c.awaitInSync()));
        let rows = 0;
        let superseded = 0;
        for (const user of users) {
            const mine = clients.filter((c) => c.user === user);
            let server;
            try {
                server = await awaitConverged({ pool: env.pool, base: env.base, user, clients: mine }, { timeout: 60_000 });
            } catch (e) {
                e.message += await diagnose(mine, user);
                console.error(e.message);
                throw e;
            }
            rows += server.length;
            superseded += assertNothingAcceptedIsLost(server, mine.flatMap((c) => c.stats.accepted));
        }
        const sum = (k) => did.reduce((a, d) => a + d[k], 0);
        const accepted = clients.reduce((a, c) => a + c.stats.accepted.length, 0);
        const conflicts = clients.reduce((a, c) => a + c.stats.conflicts.length, 0);
        const pushes = clients.reduce((a, c) => a + c.stats.pushes.length, 0);
        const streams = clients.reduce((a, c) => a + c.streams.opened, 0);
        const elsewhere = clients.reduce((a, c) => a + c.streams.elsewhere, 0);
        const line = `load seed=${seed} clients=${CLIENTS} instances=${INSTANCES} seconds=${SECONDS} inserts=${sum('inserts')} `
            + `updates=${sum('updates')} deletes=${sum('deletes')} offline=${sum('offline')} `
            + `streamCycles=${sum('streamCycles')} streamsOpened=${streams} streamsOnOtherInstance=${elsewhere} `
            + `localConflicts=${sum('localConflicts')} pushes=${pushes} accepted=${accepted} `
            + `superseded=${superseded} conflicts=${conflicts} rows=${rows} convergeMs=${Date.now() - quiet}`;
        console.log(line);
        assert.ok(accepted > 0 && sum('offline') > 0, 'the run did work and went offline');
        assert.ok(INSTANCES === 1 || (elsewhere > 0 && streams > CLIENTS), 'streams reopened during the run, some on the other instance');
        return line;
    } finally {
        await Promise.allSettled(clients.map((c) => c.close()));
    }
}

describe('the accepted-write check', () => {
    test('finds a write that is neither the final state nor built on', () => {
        const v1 = { id: 'a', note: '1', _deleted: false };
        const v2 = { id: 'a', note: '2', _deleted: false };
        const v3 = { id: 'a', note: '3', _deleted: false };
        const log = [{ id: 'a', assumed: null, doc: v1 }, { id: 'a', assumed: v1, doc: v2 }, { id: 'a', assumed: v2, doc: v3 }];
        assert.equal(assertNothingAcceptedIsLost([v3], log), 2, 'v1 and v2 were superseded, v3 is kept');
        assert.throws(() => assertNothingAcceptedIsLost([v2], log), /neither kept nor superseded/, 'v3 lost');
        assert.throws(() => assertNothingAcceptedIsLost([], log), /no row on the server/, 'the document lost');
        // key order does not matter
        assert.equal(assertNothingAcceptedIsLost([{ _deleted: false, note: '3', id: 'a' }], log), 2);
    });
});

describe('convergence under load', () => {
    test(`${CLIENTS} clients on ${INSTANCES} instances, random writes, offline periods${STREAM_CYCLES ? ', stream cycles' : ''} for ${SECONDS} s, ${RUNS} run(s) from seed ${SEED}: `
        + 'every client equals the server and no accepted write is lost', withLogs(async () => {
        const failures = [];
        for (let i = 0; i < RUNS; i++) {
            try {
                await run(SEED + i);
            } catch (e) {
                failures.push(`seed ${SEED + i}: ${e.message.slice(0, 1500)}`);
                console.error(`load seed=${SEED + i} FAILED: ${e.message.slice(0, 1500)}`);
            }
        }
        console.log(`load runs=${RUNS} failed=${failures.length}`);
        assert.deepStrictEqual(failures, []);
    }));
});
