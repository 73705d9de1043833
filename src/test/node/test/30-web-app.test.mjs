// The web app (src/main/webui, served by the packaged server at /) in a real browser, with
// six collections (the test fixtures beside orders and users), all live over one stream:
// Debian's Chromium driven by playwright-core. Two browser contexts (two devices, each with
// its own IndexedDB) of one user: A goes offline, edits an order and creates one; B edits the
// same order and deletes another online; A comes back online. Both pages must then show the
// same orders as the server, A's conflicting edit resolved in the server's favour and shown
// as "conflicts resolved". A also reloads the app while offline. Screenshots of the key states go to target/web-app-screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { freePort, getSchema, http as api, newOrder, registerUser, serverOrders, startEnv, waitFor, withLogs }
    from '../lib/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.RXSYNC_CHROMIUM || '/usr/bin/chromium';
const SCREENSHOTS = process.env.RXSYNC_SCREENSHOT_DIR
    || path.resolve(here, '../../../../target/web-app-screenshots');
const APP_SCHEMA = JSON.parse(fs.readFileSync(
    path.resolve(here, '../../../main/webui/src/orders.schema.json'), 'utf8'));
const PASSWORD = 'correct-horse-battery';
const OFFICIAL_BUILD = process.env.RXSYNC_OFFICIAL_BUILD_DIR
    || path.resolve(here, '../../../../target/browser-official');
// The test-only collections (notes of V1000, tasks, contacts and bookmarks of V1005): with
// orders and users the app keeps six live collections, as many as a browser's connections to a host.
const FIXTURE_MIGRATIONS = path.resolve(here, '../../resources/db/fixture/migration');

const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium && !process.env.CI) {
    // Outside CI a developer may lack the browser; say so loudly instead of passing quietly.
    console.error(`\n${'!'.repeat(78)}\n!! web app browser test SKIPPED: no Chromium at ${CHROMIUM}.`
        + `\n!! Install it with: apt-get install -y chromium   (.ci/run does this in CI)\n${'!'.repeat(78)}\n`);
}

let env;
let browser;
// Two other origins for the CORS test: one that RXSYNC_CORS_ORIGINS lists, one that it does not.
const otherHosts = [];
before(async () => {
    if (!haveChromium) return;
    for (let i = 0; i < 2; i++) otherHosts.push(await blankPageServer());
    env = await startEnv({ name: 'webapp', props: { 'quarkus.http.cors.origins': otherHosts[0].origin } });
    // The packaged jar migrates only db/migration (Flyway's locations are fixed at build time):
    // the fixtures are applied as the owning role, and the server restarted reads their declarations.
    for (const file of fs.readdirSync(FIXTURE_MIGRATIONS).sort()) {
        await env.pool.query(fs.readFileSync(path.join(FIXTURE_MIGRATIONS, file), 'utf8'));
    }
    await env.servers[0].stop();
    await env.servers[0].start();
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
});

after(async () => {
    await browser?.close();
    await env?.close();
    for (const host of otherHosts) host.server.close();
});

/** A static host for a front end on another origin: the official-client page's build
 * (browser-official/, built by `npm run install-all`), an empty page for anything else. */
async function blankPageServer() {
    const port = await freePort();
    const server = http.createServer((req, res) => {
        const file = path.join(OFFICIAL_BUILD, path.normalize(new URL(req.url, 'http://x').pathname));
        if (file.startsWith(OFFICIAL_BUILD) && fs.existsSync(file) && fs.statSync(file).isFile()) {
            res.writeHead(200, { 'Content-Type': file.endsWith('.js') ? 'text/javascript' : 'text/html' });
            res.end(fs.readFileSync(file));
            return;
        }
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end('<!doctype html><title>another origin</title>');
    });
    await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
    return { server, origin: `http://127.0.0.1:${port}` };
}

/** A test that needs Chromium: without it, skipped (with the loud message above) outside CI
 * and failing in CI. */
function browserTest(name, fn) {
    test(name, { skip: !haveChromium && !process.env.CI && `no Chromium at ${CHROMIUM}` }, withLogs(async () => {
        assert.ok(haveChromium, `no Chromium at ${CHROMIUM}; .ci/run installs it with apt-get`);
        await fn();
    }));
}

// --- page helpers -------------------------------------------------------------------------

async function openDevice(label) {
    const context = await browser.newContext({ viewport: { width: 960, height: 560 } });
    const page = await context.newPage();
    const device = { label, context, page, urls: [], errors: [] };
    page.on('request', (req) => device.urls.push(req.url()));
    page.on('pageerror', (e) => device.errors.push(e.message));
    page.on('console', (msg) => {
        if (['error', 'warning'].includes(msg.type()) && process.env.RXSYNC_E2E_DEBUG) console.error(`[${label}]`, msg.text());
    });
    await page.goto(`${env.base}/`);
    return device;
}

async function authenticate(page, action, email) {
    await page.fill('#auth-form input[name=email]', email);
    await page.fill('#auth-form input[name=password]', PASSWORD);
    if (action === 'register') await page.fill('#auth-form input[name=displayName]', 'Field Seller');
    await page.click(`#auth-form button[value=${action}]`);
    await page.waitForSelector('#app:not([hidden])');
}

async function fillOrder(page, { status, amount, currency, note }) {
    if (status) await page.selectOption('#order-form select[name=status]', status);
    if (amount) await page.fill('#order-form input[name=amount]', amount);
    if (currency) await page.fill('#order-form input[name=currency]', currency);
    if (note !== undefined) await page.fill('#order-form textarea[name=note]', note);
    await page.click('#order-save');
}

/** Creates an order through the form; returns its id (the row that was not there before). */
async function createOrder(page, fields) {
    const before = new Set((await shownOrders(page)).map((o) => o.id));
    await fillOrder(page, fields);
    const created = await waitFor(async () => (await shownOrders(page)).find((o) => !before.has(o.id)),
        { what: 'the new order in the list' });
    return created.id;
}

async function editOrder(page, id, fields) {
    await page.click(`#orders li[data-order-id="${id}"] button[data-action=edit]`);
    await fillOrder(page, fields);
    await waitFor(async () => (await shownOrders(page)).find((o) => o.id === id && o.note === fields.note),
        { what: `the edit of ${id} in the list` });
}

async function deleteOrder(page, id) {
    await page.click(`#orders li[data-order-id="${id}"] button[data-action=delete]`);
    await page.waitForSelector(`#orders li[data-order-id="${id}"]`, { state: 'detached' });
}

/** What the page shows, as {id, status, amount, currency, note}, by id. */
function shownOrders(page) {
    return page.$$eval('#orders li', (items) => items.map((li) => ({
        id: li.dataset.orderId,
        status: li.querySelector('[data-field=status]').textContent,
        amount: li.querySelector('[data-field=amount]').textContent,
        currency: li.querySelector('[data-field=currency]').textContent,
        note: li.querySelector('[data-field=note]').textContent,
    })).sort((a, b) => (a.id < b.id ? -1 : 1)));
}

/** The server's live orders in the same shape, read straight from PostgreSQL. */
async function serverShown(userId) {
    return (await serverOrders(env.pool, userId)).filter((o) => !o._deleted).map((o) => ({
        id: o.id,
        status: o.status,
        amount: (o.totalCents / 100).toFixed(2),
        currency: o.currency,
        note: o.note ?? '',
    }));
}

const syncState = (page) => page.getAttribute('#sync', 'data-state');
const conflictsShown = async (page) => Number(await page.getAttribute('#sync', 'data-conflicts'));

async function waitForState(device, state) {
    await waitFor(async () => (await syncState(device.page)) === state,
        { timeout: 20_000, what: `${device.label} showing "${state}"` });
}

async function screenshot(device, name) {
    await device.page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

// --- the scenario -------------------------------------------------------------------------

browserTest('the first load greets a newcomer with no error in the console and no failed request', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = [];
    page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (res) => { if (res.status() >= 400) problems.push(`${res.status()} ${res.url()}`); });
    page.on('requestfailed', (req) => problems.push(`failed ${req.url()}: ${req.failure()?.errorText}`));
    try {
        await page.goto(`${env.base}/`, { waitUntil: 'networkidle' });
        await page.waitForSelector('#auth:not([hidden])');
        await page.waitForLoadState('networkidle'); // the favicon is asked for after the load
        assert.deepStrictEqual(problems, []);
    } finally {
        await context.close();
    }
});

browserTest('two devices of one user: offline edits, a conflict and a delete converge on the server\'s state', async () => {
    const email = `seller-${process.pid}-${Date.now()}@e2e.test`;

    const a = await openDevice('A');
    await authenticate(a.page, 'register', email);
    const session = await a.page.evaluate(() => JSON.parse(localStorage.getItem('rxsync.session')));
    assert.match(session.userId, /^[0-9a-f-]{36}$/);
    // the app's bundled schema is the one the server lists
    assert.deepEqual(APP_SCHEMA, await getSchema(env.base, session.token, 'orders'));

    // the service worker keeps the app shell, so that A can also reload while offline
    await waitFor(() => a.page.evaluate(() => navigator.serviceWorker.controller !== null),
        { timeout: 20_000, what: 'A\'s service worker in control' });

    const b = await openDevice('B');
    await authenticate(b.page, 'login', email);
    await waitForState(a, 'online');
    await waitForState(b, 'online');

    // online: what A creates reaches B live
    const visit = await createOrder(a.page, { status: 'pending', amount: '12.50', currency: 'EUR', note: 'first visit' });
    const sample = await createOrder(a.page, { status: 'pending', amount: '5.00', currency: 'EUR', note: 'samples' });
    await waitFor(async () => (await shownOrders(b.page)).length === 2, { what: 'B showing A\'s two orders' });
    await screenshot(a, '1-online-a');

    // A loses the network, edits the visit order and takes a new order
    await a.context.setOffline(true);
    await waitForState(a, 'offline');
    await editOrder(a.page, visit, { status: 'paid', amount: '15.00', note: 'A: paid on site (offline)' });
    const offlineOrder = await createOrder(a.page,
        { status: 'shipped', amount: '99.99', currency: 'USD', note: 'taken offline' });
    await screenshot(a, '2-offline-a');
    // offline-first: the reloaded app opens from the cached shell and IndexedDB
    const beforeReload = await shownOrders(a.page);
    const reloaded = await a.page.reload();
    assert.ok(reloaded.fromServiceWorker(), 'the offline reload was served by the service worker');
    await waitFor(async () => JSON.stringify(await shownOrders(a.page)) === JSON.stringify(beforeReload),
        { what: 'A\'s orders after an offline reload' });
    assert.equal(await syncState(a.page), 'offline');

    // meanwhile B, online, edits the same order and deletes another
    await editOrder(b.page, visit, { status: 'cancelled', note: 'B: customer cancelled by phone' });
    await deleteOrder(b.page, sample);
    await waitFor(async () => {
        const rows = await serverShown(session.userId);
        return rows.length === 1 && rows[0].note === 'B: customer cancelled by phone';
    }, { what: 'B\'s edit and delete on the server' });
    // A really was offline: it still shows its own version and the deleted order
    const aOffline = await shownOrders(a.page);
    assert.equal(aOffline.length, 3);
    assert.equal(aOffline.find((o) => o.id === visit).note, 'A: paid on site (offline)');

    // A comes back: its edit of the visit order conflicts, the server's version wins
    await a.context.setOffline(false);
    await waitFor(async () => (await conflictsShown(a.page)) >= 1,
        { timeout: 20_000, what: 'A showing "conflicts resolved"' });
    const expected = await waitFor(async () => {
        const rows = await serverShown(session.userId);
        return rows.length === 2 ? rows : null;
    }, { timeout: 20_000, what: 'A\'s offline order on the server' });
    await waitFor(async () => {
        const [shownA, shownB] = await Promise.all([shownOrders(a.page), shownOrders(b.page)]);
        return JSON.stringify(shownA) === JSON.stringify(expected)
            && JSON.stringify(shownB) === JSON.stringify(expected);
    }, { timeout: 20_000, what: 'both pages showing the server\'s orders' });
    await waitForState(a, 'online');
    await waitForState(b, 'online');
    await screenshot(a, '3-back-online-a');
    await screenshot(b, '3-back-online-b');

    const final = await serverShown(session.userId);
    assert.deepEqual(await shownOrders(a.page), final);
    assert.deepEqual(await shownOrders(b.page), final);
    assert.deepEqual(final.find((o) => o.id === visit),
        { id: visit, status: 'cancelled', amount: '12.50', currency: 'EUR', note: 'B: customer cancelled by phone' });
    assert.deepEqual(final.find((o) => o.id === offlineOrder),
        { id: offlineOrder, status: 'shipped', amount: '99.99', currency: 'USD', note: 'taken offline' });
    assert.ok(!final.some((o) => o.id === sample), 'the deleted order is gone');
    assert.ok(await a.page.isVisible('#sync-conflicts'), 'A shows the resolved conflict');

    // the token travels in headers only, never in a URL or the server's log
    for (const device of [a, b]) {
        const { token } = await device.page.evaluate(() => JSON.parse(localStorage.getItem('rxsync.session')));
        const leaked = device.urls.filter((u) => u.includes(token));
        assert.deepEqual(leaked, [], `${device.label} put the token in a URL`);
        assert.ok(!fs.readFileSync(env.servers[0].logFile, 'utf8').includes(token), 'a token in the server log');
        assert.deepEqual(device.errors, [], `${device.label} page errors`);
    }
});

browserTest('a refused token: the app says signed out, keeps the orders written meanwhile, and a new log-in syncs them', async () => {
    const email = `relogin-${process.pid}-${Date.now()}@e2e.test`;
    const device = await openDevice('C');
    try {
        await authenticate(device.page, 'register', email);
        const { userId } = await device.page.evaluate(() => JSON.parse(localStorage.getItem('rxsync.session')));
        const first = await createOrder(device.page, { status: 'pending', amount: '1.00', currency: 'EUR', note: 'before' });
        await waitFor(async () => (await serverShown(userId)).length === 1, { what: 'the first order on the server' });

        // the stored token no longer verifies (as once it expired): every route answers 401
        await device.page.evaluate(() => {
            const session = JSON.parse(localStorage.getItem('rxsync.session'));
            session.token = `${session.token.slice(0, -8)}AAAAAAAA`;
            localStorage.setItem('rxsync.session', JSON.stringify(session));
        });
        await device.page.reload();
        await waitForState(device, 'signed-out');
        assert.deepEqual((await shownOrders(device.page)).map((o) => o.id), [first]);
        const meanwhile = await createOrder(device.page,
            { status: 'paid', amount: '2.00', currency: 'EUR', note: 'while signed out' });
        assert.equal((await serverShown(userId)).length, 1, 'nothing is pushed without a valid token');

        await device.page.click('#relogin');
        await device.page.waitForSelector('#auth:not([hidden])');
        assert.equal(await device.page.inputValue('#auth-form input[name=email]'), email.toLowerCase());
        await authenticate(device.page, 'login', email);
        await waitFor(async () => (await serverShown(userId)).some((o) => o.id === meanwhile),
            { what: 'the order written while signed out on the server' });
        await waitForState(device, 'online');
        assert.deepEqual(await shownOrders(device.page), await serverShown(userId));
        assert.deepEqual(device.errors, []);
    } finally {
        await device.context.close();
    }
});

browserTest('a phone\'s first load: the app\'s files and its first sync arrive compressed, the hashed files cached for good', async () => {
    const user = await registerUser(env.base, 'phone');
    const orders = Array.from({ length: 450 }, (_, i) => newOrder(user.userId, { note: `order ${i}`, totalCents: 100 + i }));
    for (let i = 0; i < orders.length; i += 150) {
        const push = await api(env.base, 'POST', '/api/v1/sync/orders/0/push',
            { token: user.token, body: orders.slice(i, i + 150).map((o) => ({ newDocumentState: o })) });
        assert.equal(push.status, 200, push.text);
    }
    const context = await browser.newContext();
    try {
        const page = await context.newPage();
        // what crossed the wire: Chromium reports the encoded body size of every response
        const seen = [];
        page.on('response', (response) => seen.push((async () => {
            if ((response.headers()['content-type'] ?? '').startsWith('text/event-stream')) return { url: response.url(), headers: {} };
            await response.finished();
            const body = await response.body().catch(() => null);
            return {
                url: response.url(), status: response.status(), headers: await response.allHeaders(),
                wireBytes: (await response.request().sizes()).responseBodySize, plainBytes: body ? body.length : null,
            };
        })()));
        await page.goto(`${env.base}/`);
        await authenticate(page, 'login', user.email);
        await waitFor(async () => (await shownOrders(page)).length === orders.length,
            { timeout: 30_000, what: `the app showing ${orders.length} orders` });
        const responses = await Promise.all(seen);
        const compressed = (r) => ['br', 'gzip'].includes(r.headers['content-encoding']);

        const shell = responses.find((r) => r.url === `${env.base}/`);
        assert.ok(compressed(shell), `index.html: ${JSON.stringify(shell.headers)}`);
        assert.equal(shell.headers['cache-control'], 'no-cache');
        const assets = responses.filter((r) => new URL(r.url).pathname.startsWith('/assets/'));
        assert.ok(assets.length >= 2, `the script and the stylesheet: ${assets.map((a) => a.url)}`);
        for (const a of assets) {
            assert.ok(compressed(a), `${a.url}: ${a.headers['content-encoding']}`);
            assert.equal(a.headers['cache-control'], 'public, max-age=31536000, immutable');
            assert.ok(a.wireBytes * 2 < a.plainBytes, `${a.url}: ${a.wireBytes} bytes on the wire for ${a.plainBytes}`);
        }
        const pages = responses.filter((r) => r.url.includes('/pull?') && r.status === 200 && r.plainBytes >= 512);
        assert.ok(pages.length >= 2, `${pages.length} full pull pages`);
        for (const p of pages) assert.ok(compressed(p), `${p.url}: ${p.headers['content-encoding']}`);
        const wire = pages.reduce((n, p) => n + p.wireBytes, 0);
        const plain = pages.reduce((n, p) => n + p.plainBytes, 0);
        assert.ok(wire * 3 < plain, `pull pages: ${wire} bytes on the wire for ${plain}`);

        // the service worker is revalidated on every load as well
        const sw = await api(env.base, 'GET', '/sw.js');
        assert.equal(sw.headers.get('cache-control'), 'no-cache');
        console.log(`[web app] ${shell.headers['content-encoding']}: ${pages.length} pull pages ${wire} bytes on the wire `
            + `for ${plain}; assets ${assets.map((a) => `${a.wireBytes}/${a.plainBytes}`).join(', ')} bytes`);
    } finally {
        await context.close();
    }
});

browserTest('a front end on another origin reaches the API only when RXSYNC_CORS_ORIGINS lists it', async () => {
    const context = await browser.newContext();
    try {
        const page = await context.newPage();
        // The calls the app makes, from a page on the listed origin: sign-up, a pull and
        // the live stream, each with the Authorization header (a preflighted request).
        await page.goto(`${otherHosts[0].origin}/`);
        const allowed = await page.evaluate(async (api) => {
            const json = { 'Content-Type': 'application/json', Accept: 'application/json' };
            const reg = await fetch(`${api}/api/v1/auth/register`, {
                method: 'POST', headers: json,
                body: JSON.stringify({ email: `cors-${Date.now()}@e2e.test`, password: 'correct-horse-battery', displayName: 'cors' }),
            });
            const { token } = await reg.json();
            const auth = { ...json, Authorization: `Bearer ${token}` };
            const pull = await fetch(`${api}/api/v1/sync/orders/0/pull?lwt=0&id=&limit=10`, { headers: auth });
            const stream = await fetch(`${api}/api/v1/sync/orders/0/pullStream`, {
                headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' }, cache: 'no-store',
            });
            await stream.body.cancel();
            return { register: reg.status, pull: pull.status, documents: (await pull.json()).documents, stream: stream.status };
        }, env.base);
        assert.deepEqual(allowed, { register: 201, pull: 200, documents: [], stream: 200 });

        // the same sign-up from an origin that is not listed is blocked by the browser
        await page.goto(`${otherHosts[1].origin}/`);
        const refused = await page.evaluate((api) => fetch(`${api}/api/v1/auth/register`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ email: `cors-denied-${Date.now()}@e2e.test`, password: 'correct-horse-battery', displayName: 'x' }),
        }).then((r) => `answered ${r.status}`, (e) => `blocked: ${e.name}`), env.base);
        assert.equal(refused, 'blocked: TypeError');
    } finally {
        await context.close();
    }
});

browserTest('the README\'s official replicateServer client syncs live in the browser with FetchEventSource', async () => {
    assert.ok(fs.existsSync(path.join(OFFICIAL_BUILD, 'index.html')),
        `no build of browser-official/ at ${OFFICIAL_BUILD}: run npm run install-all in src/test/node`);
    const user = await registerUser(env.base, 'official');
    const context = await browser.newContext();
    try {
        const page = await context.newPage();
        const urls = [];
        page.on('request', (req) => urls.push(req.url()));
        // hosted on the origin RXSYNC_CORS_ORIGINS lists, like a separately deployed app
        await page.goto(`${otherHosts[0].origin}/index.html`);
        await page.evaluate(({ base, token }) => window.official.start(base, token),
            { base: env.base, token: user.token });

        // written in the browser: pushed to the server
        const mine = newOrder(user.userId, { note: 'from the official client' });
        await page.evaluate((doc) => window.official.insert(doc), mine);
        await waitFor(async () => (await serverOrders(env.pool, user.userId)).some((o) => o.id === mine.id),
            { what: 'the official client\'s order on the server' });

        // written by another client: arrives live through the stream
        const theirs = newOrder(user.userId, { status: 'paid', note: 'from another device' });
        const push = await api(env.base, 'POST', '/api/v1/sync/orders/0/push',
            { token: user.token, body: [{ newDocumentState: theirs }] });
        assert.equal(push.status, 200, push.text);
        assert.deepEqual(push.body, []);
        const docs = await waitFor(async () => {
            const found = await page.evaluate(() => window.official.docs());
            return found.some((d) => d.id === theirs.id) ? found : null;
        }, { what: 'the other device\'s order in the official client' });
        assert.equal(docs.find((d) => d.id === theirs.id).note, 'from another device');
        assert.ok(urls.some((u) => u.endsWith('/api/v1/sync/orders/0/pullStream')), 'the stream was opened');
        assert.deepEqual(urls.filter((u) => u.includes(user.token)), [], 'no token in a URL');
        assert.deepEqual(await page.evaluate(() => window.official.errors()), []);
    } finally {
        await context.close();
    }
});

browserTest('six collections live at once over one stream: every change arrives, the browser\'s connections to the host stay free', async () => {
    const device = await openDevice('M');
    // every request to the server that has not ended yet: the live stream must be the only long one
    const open = new Map();
    device.page.on('request', (req) => { if (req.url().startsWith(env.base)) open.set(req, req.url()); });
    device.page.on('requestfinished', (req) => open.delete(req));
    device.page.on('requestfailed', (req) => open.delete(req));
    try {
        const email = `six-${process.pid}-${Date.now()}@e2e.test`;
        await authenticate(device.page, 'register', email);
        const { userId, token } = await device.page.evaluate(() => JSON.parse(localStorage.getItem('rxsync.session')));
        const collections = ['bookmarks', 'contacts', 'notes', 'orders', 'tasks', 'users'];
        const counts = () => device.page.$$eval('#collection-counts li',
            (items) => Object.fromEntries(items.map((li) => [li.dataset.collection, Number(li.dataset.count)])));
        await waitFor(async () => {
            const shown = await counts();
            return collections.every((c) => c in shown);
        }, { what: 'the six collections on the device' });
        await waitForState(device, 'online'); // the first pulls are done: from here on changes come by the stream
        await waitFor(async () => (await device.page.textContent('#account-name')) === 'Field Seller',
            { what: 'the profile from the users collection' });

        const streams = () => device.urls.filter((u) => u.includes('/pullStream') || u.includes('/api/v1/sync/stream'));
        assert.equal(streams().length, 1, `one stream for all: ${streams()}`);
        const streamUrl = new URL(streams()[0]);
        assert.equal(streamUrl.pathname, '/api/v1/sync/stream');
        assert.deepEqual(streamUrl.searchParams.get('collections').split(',').sort(), collections.map((c) => `${c}:0`));
        assert.deepEqual([...open.values()], [streams()[0]], 'the one stream is the only request left open');

        // written elsewhere, all at once, into each of the six collections
        const doc = (extra) => ({ id: crypto.randomUUID(), userId, ...extra });
        const writes = {
            orders: [doc({ status: 'paid', totalCents: 4200, currency: 'EUR', note: 'from another device' })],
            notes: [doc({ title: 'Groceries', body: 'milk' })],
            tasks: [doc({ title: 'Call back', done: false }), doc({ title: 'Invoice', done: true })],
            contacts: [doc({ name: 'Ada', phone: '+44 20 7946 0000' })],
            bookmarks: [doc({ title: 'RxDB', url: 'https://rxdb.info' })],
        };
        const pushes = await Promise.all([
            ...Object.entries(writes).map(([name, docs]) => api(env.base, 'POST', `/api/v1/sync/${name}/0/push`,
                { token, body: docs.map((d) => ({ newDocumentState: d })) })),
            env.pool.query('UPDATE users SET display_name = $1 WHERE id = $2', ['Field Seller (renamed)', userId]),
        ]);
        for (const push of pushes.slice(0, -1)) assert.deepEqual([push.status, push.body], [200, []], push.text);

        await waitFor(async () => {
            const now = await counts();
            return Object.entries(writes).every(([name, docs]) => now[name] === docs.length) && now.users === 1;
        }, { timeout: 20_000, what: 'every change on the device' });
        await waitFor(async () => (await device.page.textContent('#account-name')) === 'Field Seller (renamed)',
            { timeout: 20_000, what: 'the new name, live' });
        assert.ok((await shownOrders(device.page)).some((o) => o.note === 'from another device'));
        assert.equal(streams().length, 1, 'no second stream was opened (the changes came over the first one)');

        // and the browser still has connections for pushes: an order made here reaches the server
        const mine = await createOrder(device.page, { status: 'pending', amount: '3.00', currency: 'EUR', note: 'made here' });
        await waitFor(async () => (await serverOrders(env.pool, userId)).some((o) => o.id === mine),
            { what: 'the order made in the app on the server' });
        await waitForState(device, 'online');
        assert.deepEqual([...open.values()], [streams()[0]], 'still only the stream left open');
        await screenshot(device, '4-six-collections');
        assert.deepEqual(device.errors, []);
    } finally {
        await device.context.close();
    }
});

test('the README\'s client-integration blocks are the files the browser test runs', () => {
    const root = path.resolve(here, '../../../..');
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const start = readme.indexOf('## Client integration');
    assert.ok(start >= 0, 'the README has a Client integration section');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const blocks = [...section.matchAll(/<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)\n```/g)];
    assert.deepEqual(blocks.map((b) => b[1]), [
        'src/test/node/browser-official/src/official-client.ts',
        'src/test/node/browser-official/vite.config.ts',
    ]);
    for (const [, file, text] of blocks) {
        assert.ok(fs.readFileSync(path.join(root, file), 'utf8').includes(text), `README block for ${file} differs from the file`);
    }
});
