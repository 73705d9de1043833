// Test harness: a throw-away PostgreSQL database, rxsync server processes (the packaged
// jar) on free ports, HTTP helpers and SQL helpers. Every process started here is killed
// when the test file ends, also on failure or an early exit.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const here = path.dirname(fileURLToPath(import.meta.url));
// Maven always sets both; the defaults are for local runs against the e2e worktree.
export const APP_DIR = process.env.RXSYNC_APP_DIR
    || path.resolve(here, '../../../../target/quarkus-app');
export const KEYS_DIR = process.env.RXSYNC_KEYS_DIR
    || path.resolve(here, '../../../dev/jwt');
// The test-only migrations (collections the Java tests use too, e.g. the shared lists of
// the scopes issue); never inside the packaged jar, see applyFixtures.
export const FIXTURE_DIR = process.env.RXSYNC_FIXTURE_DIR
    || path.resolve(here, '../../resources/db/fixture/migration');
export const PG = {
    host: process.env.RXSYNC_PG_HOST || '127.0.0.1',
    port: Number(process.env.RXSYNC_PG_PORT || 5432),
    user: process.env.RXSYNC_PG_USER || 'postgres',
    password: process.env.RXSYNC_PG_PASSWORD || undefined,
};
export const LOG_DIR = path.join(os.tmpdir(), 'rxsync-e2e');
fs.mkdirSync(LOG_DIR, { recursive: true });

// ---------------------------------------------------------------------------------------
// process bookkeeping
const children = new Set();
function killAllSync() {
    for (const c of children) {
        try { c.kill('SIGKILL'); } catch { /* already gone */ }
    }
}
process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => { killAllSync(); process.exit(130); });
}

// ---------------------------------------------------------------------------------------
// small utilities
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value (returned) or the timeout passes (throws). */
export async function waitFor(fn, { timeout = 10_000, interval = 50, what = 'condition' } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    let lastErr;
    for (;;) {
        try {
            last = await fn();
            if (last) return last;
        } catch (e) {
            lastErr = e;
        }
        if (Date.now() > deadline) {
            const err = new Error(`timed out after ${timeout} ms waiting for ${what}`
                + (lastErr ? ` (last error: ${lastErr.message})` : ''));
            if (lastErr) err.cause = lastErr;
            throw err;
        }
        await sleep(interval);
    }
}

export function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

// ---------------------------------------------------------------------------------------
// database
export async function withPg(database, fn, server = PG) {
    const client = new pg.Client({ ...server, database });
    await client.connect();
    try {
        return await fn(client);
    } finally {
        await client.end();
    }
}

/** Drops and re-creates `name` (on the machine's PostgreSQL unless `server` says otherwise). */
export async function resetDatabase(name, server = PG) {
    if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
    await withPg('postgres', async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.query(`CREATE DATABASE ${name}`);
    }, server);
}

/** A pooled connection to the test database, for assertions and external writes. */
export function sqlPool(database, server = PG) {
    const pool = new pg.Pool({ ...server, database, max: 3 });
    // a fault test stops the database under it: an idle client's error must not crash the run
    pool.on('error', () => {});
    return pool;
}

/**
 * The server's orders of one user, read straight from the table and mapped to the shape
 * clients see: absent optional fields are left out, `_deleted` from the tombstone flag.
 */
export async function serverOrders(pool, userId) {
    const { rows } = await pool.query(
        `SELECT id::text AS id, user_id::text AS user_id, status, total_cents, currency,
                note, metadata, deleted
           FROM orders WHERE user_id = $1 ORDER BY id`, [userId]);
    return rows.map(rowToOrder);
}

export function rowToOrder(r) {
    const doc = {
        id: r.id,
        userId: r.user_id,
        status: r.status,
        totalCents: Number(r.total_cents),
        currency: r.currency.trim(),
    };
    if (r.note !== null) doc.note = r.note;
    if (r.metadata !== null) doc.metadata = r.metadata;
    doc._deleted = r.deleted;
    return doc;
}

// ---------------------------------------------------------------------------------------
// HTTP accounting: every fetch made in this process (the official client uses the global
// fetch, the plain clients use it too) is recorded, so tests can count pull requests.
export const requestLog = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async function countingFetch(input, init) {
    const url = typeof input === 'string' ? input : (input.url ?? String(input));
    const entry = { url, method: (init && init.method) || 'GET', at: Date.now(), status: null };
    requestLog.push(entry);
    if (requestLog.length > 200_000) requestLog.splice(0, 100_000);
    const res = await realFetch(input, init);
    entry.status = res.status;
    return res;
};
export { realFetch };

/** Plain JSON request; returns {status, body (parsed when JSON), text, headers}. */
export async function http(base, method, urlPath, { token, body, rawBody, headers = {} } = {}) {
    const h = { Accept: 'application/json', ...headers };
    if (token) h.Authorization = `Bearer ${token}`;
    let payload;
    if (rawBody !== undefined) {
        payload = rawBody;
        h['Content-Type'] = 'application/json';
    } else if (body !== undefined) {
        payload = JSON.stringify(body);
        h['Content-Type'] = 'application/json';
    }
    const res = await realFetch(base + urlPath, { method, headers: h, body: payload });
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    return { status: res.status, body: json, text, headers: res.headers };
}

let userCounter = 0;
/** Registers a fresh user; returns {userId, token, email, password, displayName}. */
export async function registerUser(base, label = 'user') {
    userCounter++;
    const email = `${label}-${process.pid}-${userCounter}-${Date.now()}@e2e.test`;
    const password = 'correct-horse-battery';
    const displayName = `${label} ${userCounter}`;
    const res = await http(base, 'POST', '/api/v1/auth/register', {
        body: { email, password, displayName },
    });
    if (res.status !== 201) {
        throw new Error(`register ${email}: ${res.status} ${res.text}`);
    }
    return { ...res.body, email, password, displayName };
}

/** Full pull of one collection over HTTP, following checkpoints until a short page. */
export async function fullPull(base, token, collection = 'orders', limit = 500) {
    const docs = new Map();
    let cp = { id: '', lwt: 0 };
    let pages = 0;
    const pageSizes = [];
    for (;;) {
        const q = `?lwt=${cp.lwt}&id=${encodeURIComponent(cp.id)}&limit=${limit}`;
        const res = await http(base, 'GET', `/api/v1/sync/${collection}/0/pull${q}`, { token });
        if (res.status !== 200) throw new Error(`pull: ${res.status} ${res.text}`);
        for (const d of res.body.documents) docs.set(d.id, d);
        cp = res.body.checkpoint;
        pages++;
        pageSizes.push(res.body.documents.length);
        if (res.body.documents.length < limit) break;
        if (pages > 10_000) throw new Error('full pull does not end');
    }
    return { docs: [...docs.values()].sort(byId), checkpoint: cp, pages, pageSizes };
}

export async function getListing(base, token) {
    const res = await http(base, 'GET', '/api/v1/sync', { token });
    if (res.status !== 200) throw new Error(`listing: ${res.status} ${res.text}`);
    return res.body;
}

export async function getSchema(base, token, name = 'orders') {
    const listing = await getListing(base, token);
    const entry = listing.find((e) => e.name === name);
    if (!entry) throw new Error(`collection ${name} not in listing ${JSON.stringify(listing)}`);
    return entry.schema;
}

export const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

// ---------------------------------------------------------------------------------------
// server processes
function javaArgs({ port, database, server, props }) {
    return [
        '-Xmx384m', '-XX:TieredStopAtLevel=1',
        `-Dquarkus.http.port=${port}`,
        `-Dquarkus.datasource.reactive.url=postgresql://${server.host}:${server.port}/${database}`,
        `-Dquarkus.datasource.jdbc.url=jdbc:postgresql://${server.host}:${server.port}/${database}`,
        `-Dsmallrye.jwt.sign.key.location=file:${path.join(KEYS_DIR, 'privateKey.pem')}`,
        `-Dmp.jwt.verify.publickey.location=file:${path.join(KEYS_DIR, 'publicKey.pem')}`,
        '-Drxsync.stream.heartbeat-interval=PT2S',
        ...Object.entries(props).map(([k, v]) => `-D${k}=${v}`),
        '-jar', path.join(APP_DIR, 'quarkus-run.jar'),
    ];
}

/**
 * Test-only collections for a fresh database: the jar's schema task (profile `migrate`)
 * applies our migrations and exits, then the fixture files run as the owning role (the
 * harness's own connection, like Flyway's), in order, before any server starts, so every
 * server reads their declarations at start-up. The production jar never carries test
 * fixtures, and this needs nothing from it but the schema task.
 */
async function applyFixtures({ database, server, fixtures, name }) {
    const logFile = path.join(LOG_DIR, `${name}-migrate.log`);
    const log = fs.openSync(logFile, 'a');
    fs.writeSync(log, `\n===== migrate ${new Date().toISOString()} db ${database}\n`);
    const proc = spawn('java', ['-Dquarkus.profile=migrate',
        ...javaArgs({ port: 0, database, server, props: {} })], { stdio: ['ignore', log, log], cwd: APP_DIR });
    fs.closeSync(log);
    children.add(proc);
    const { code, sig } = await new Promise((resolve) => proc.once('exit', (c, s) => {
        children.delete(proc);
        resolve({ code: c, sig: s });
    }));
    if (code !== 0) {
        throw new Error(`schema task exited ${code ?? sig}; log ${logFile}:\n`
            + fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n'));
    }
    await withPg(database, async (c) => {
        for (const file of fixtures) {
            const sql = fs.readFileSync(path.join(FIXTURE_DIR, file), 'utf8');
            try {
                await c.query(sql);
            } catch (e) {
                e.message = `fixture ${file}: ${e.message}`;
                throw e;
            }
        }
    }, server);
}

export class ServerProcess {
    constructor({ database, port, name, props = {}, env = {}, pg: server = PG }) {
        this.props = props;
        this.env = env;
        this.pg = server;
        this.database = database;
        this.port = port;
        this.name = name;
        this.base = `http://127.0.0.1:${port}`;
        this.logFile = path.join(LOG_DIR, `${name}-${port}.log`);
        this.proc = null;
    }

    async start({ timeout = 90_000 } = {}) {
        if (this.proc) throw new Error(`${this.name} already running`);
        const jar = path.join(APP_DIR, 'quarkus-run.jar');
        if (!fs.existsSync(jar)) throw new Error(`no server jar at ${jar} (set RXSYNC_APP_DIR)`);
        const log = fs.openSync(this.logFile, 'a');
        fs.writeSync(log, `\n===== start ${new Date().toISOString()} port ${this.port} db ${this.database}\n`);
        const args = javaArgs({ port: this.port, database: this.database, server: this.pg, props: this.props });
        const proc = spawn('java', args, { stdio: ['ignore', log, log], cwd: APP_DIR, env: { ...process.env, ...this.env } });
        fs.closeSync(log);
        this.proc = proc;
        children.add(proc);
        this.exited = new Promise((resolve) => proc.once('exit', (code, sig) => {
            children.delete(proc);
            resolve({ code, sig });
        }));
        let early = null;
        this.exited.then((r) => { early = r; });
        await waitFor(async () => {
            if (early) throw new Error(`server exited during start-up: ${JSON.stringify(early)}`);
            const res = await realFetch(`${this.base}/q/health/ready`).catch(() => null);
            return res && res.status === 200;
        }, { timeout, interval: 200, what: `${this.name} ready` }).catch((e) => {
            if (early) e.message = `server exited during start-up ${JSON.stringify(early)}; `
                + `log tail:\n${this.logTail()}`;
            throw e;
        });
        return this;
    }

    /** Stops the process (SIGTERM, then SIGKILL after `grace` ms). */
    async stop({ grace = 10_000 } = {}) {
        const proc = this.proc;
        if (!proc) return;
        this.proc = null;
        if (proc.exitCode === null && proc.signalCode === null) {
            proc.kill('SIGTERM');
            const t = setTimeout(() => { try { proc.kill('SIGKILL'); } catch { /* gone */ } }, grace);
            await this.exited;
            clearTimeout(t);
        }
    }

    logTail(lines = 60) {
        try {
            const all = fs.readFileSync(this.logFile, 'utf8').split('\n');
            return all.slice(-lines).join('\n');
        } catch {
            return '(no log)';
        }
    }
}

/**
 * One test file's environment: a fresh database and `instances` servers on it, on the
 * machine's PostgreSQL or on `pg` (e.g. a PrivateCluster's), with `props` as -D options,
 * `env` as environment variables (what an image user sets) and the named `fixtures`
 * (files of FIXTURE_DIR) applied first. Call `env.close()` in an `after` hook.
 */
export async function startEnv({ name, instances = 1, props = {}, env: environment = {}, pg: server = PG, fixtures = [] }) {
    const database = `rxsync_e2e_${name}${process.env.RXSYNC_TEST_DB_SUFFIX ?? ''}`;
    await resetDatabase(database, server);
    if (fixtures.length) await applyFixtures({ database, server, fixtures, name });
    const servers = [];
    const env = {
        database,
        servers,
        pool: sqlPool(database, server),
        get base() { return servers[0].base; },
        async close() {
            activeEnvs.delete(env);
            await Promise.allSettled(servers.map((s) => s.stop()));
            await env.pool.end().catch(() => {});
        },
        logTails(lines = 40) {
            return servers.map((s) => `----- ${s.name} (${s.logFile}) last ${lines} lines\n`
                + s.logTail(lines)).join('\n');
        },
    };
    activeEnvs.add(env);
    try {
        // start them one after the other: the first one migrates the database
        for (let i = 0; i < instances; i++) {
            const s = new ServerProcess({
                database, port: await freePort(), name: `${name}-${i + 1}`, props, env: environment, pg: server,
            });
            servers.push(s);
            await s.start();
        }
    } catch (e) {
        await env.close();
        throw e;
    }
    return env;
}

/**
 * Runs a test body; when it fails, echoes the tail of the running servers' logs before rethrowing,
 * so CI output shows what the server did.
 */
const activeEnvs = new Set();
export function withLogs(fn) {
    return async (t) => {
        try {
            await fn(t);
        } catch (e) {
            const tails = [...activeEnvs].map((env) => env.logTails()).join('\n');
            console.error(`\n[e2e] test failed: ${e && e.message}\n${tails}\n`);
            throw e;
        }
    };
}

export function newOrder(userId, extra = {}) {
    return {
        id: crypto.randomUUID(),
        userId,
        status: 'pending',
        totalCents: 1000,
        currency: 'EUR',
        ...extra,
    };
}

/**
 * Opens a raw SSE connection to a collection's pullStream and collects its frames until
 * `close()`. Returns {res, frames, comments, text, closed, close()}.
 */
export async function openRawStream(base, token, collection = 'orders') {
    const ac = new AbortController();
    const res = await realFetch(`${base}/api/v1/sync/${collection}/0/pullStream`, {
        headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' }, signal: ac.signal,
    });
    const out = { res, frames: [], comments: 0, text: '', ended: false };
    if (res.status !== 200) {
        out.text = await res.text();
        out.close = async () => {};
        return out;
    }
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    const done = (async () => {
        try {
            for (;;) {
                const { value, done: d } = await reader.read();
                if (d) break;
                const s = dec.decode(value, { stream: true });
                out.text += s;
                buf += s;
                let idx;
                while ((idx = buf.search(/\r?\n\r?\n/)) >= 0) {
                    const block = buf.slice(0, idx);
                    buf = buf.slice(idx).replace(/^\r?\n\r?\n/, '');
                    const data = [];
                    for (const line of block.split(/\r?\n/)) {
                        if (line.startsWith(':')) out.comments++;
                        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
                    }
                    if (data.length) out.frames.push({ at: Date.now(), data: JSON.parse(data.join('\n')) });
                }
            }
        } catch (e) {
            if (e.name !== 'AbortError') out.error = e;
        } finally {
            out.ended = true;
        }
    })();
    out.close = async () => { ac.abort(); await done; };
    return out;
}
