// External identity provider, for real: a Keycloak (lib/keycloak.mjs, one start for this
// file) whose access tokens live 20 s, and an rxsync server that accepts them beside its own
// (RXSYNC_OIDC_ISSUER, audience, groups claim). Real RxDB clients of every kind sync with
// Keycloak tokens; two Keycloak users are isolated; the realm's signing key rotates mid-run;
// a disabled user's token keeps working until it expires; clients renewing their token
// before expiry lose no change while the stream closes at each expiry and reopens. The web
// app logs in on Keycloak's own page in Chromium, syncs, renews its token silently with the
// stream live, and logs out.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getSchema, http, newOrder, serverOrders, sleep, startEnv, waitFor, withLogs } from '../lib/harness.mjs';
import { createClient, KINDS } from '../lib/clients.mjs';
import { awaitConverged, awaitDoc } from '../lib/assertions.mjs';
import { Keycloak, keycloakAvailable } from '../lib/keycloak.mjs';
import fs from 'node:fs';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.RXSYNC_CHROMIUM || '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);

const available = keycloakAvailable();
if (!available && !process.env.CI) {
    console.error(`\n${'!'.repeat(78)}\n!! Keycloak tests SKIPPED: no Keycloak unpacked (./mvnw verify unpacks it into`
        + ` target/keycloak) or no JDK 21+ (RXSYNC_KEYCLOAK_JAVA_HOME)\n${'!'.repeat(78)}\n`);
}

let kc;
let env;
const clients = [];
before(async () => {
    if (!available && !process.env.CI) return;
    kc = await Keycloak.start();
    env = await startEnv({ name: 'keycloak', props: kc.serverProps({ 'rxsync.oidc.web-client-id': 'rxsync-web' }) });
}, { timeout: 700_000 });
after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (env) await env.close();
    if (kc) await kc.stop();
});

/** A Keycloak user as the suite's clients know a user: tokens, and the account id rxsync gave them. */
async function keycloakUser(username) {
    const tokens = await kc.login(username);
    const claims = Keycloak.claimsOf(tokens.access_token);
    assert.ok(claims.sub, `Keycloak's access token carries sub: ${JSON.stringify(claims)}`);
    assert.ok([claims.aud].flat().includes('rxsync'), `the audience mapper adds rxsync: ${JSON.stringify(claims.aud)}`);
    const me = await http(env.base, 'GET', '/api/v1/auth/me', { token: tokens.access_token });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.subject, claims.sub);
    return { username, tokens, token: tokens.access_token, userId: me.body.userId, groups: me.body.groups, sub: claims.sub };
}

const skip = !available && !process.env.CI;

describe('Keycloak tokens', { skip }, () => {
    test('the account is made on first sight, profile and groups from the token', withLogs(async () => {
        const alice = await keycloakUser('alice');
        assert.deepStrictEqual(alice.groups, ['sales']);
        const { rows } = await env.pool.query(
            `SELECT u.email, u.display_name, i.issuer FROM users u JOIN user_identities i ON i.user_id = u.id
             WHERE i.subject = $1`, [alice.sub]);
        assert.deepStrictEqual(rows, [{ email: 'alice@example.test', display_name: 'Alice Keycloak', issuer: kc.issuer }]);
        const again = await keycloakUser('alice');
        assert.equal(again.userId, alice.userId, 'a new token of the same user finds the same account');
    }));

    for (const kind of KINDS) {
        test(`${kind}: two Keycloak users sync and see only their own orders`, withLogs(async () => {
            const alice = await keycloakUser('alice');
            const bob = await keycloakUser('bob');
            const schema = await getSchema(env.base, alice.token);
            const A = await createClient({ kind, base: env.base, token: alice.token, schema, label: 'alice' });
            const B = await createClient({ kind, base: env.base, token: bob.token, schema, label: 'bob' });
            clients.push(A, B);
            await A.start();
            await B.start();
            const a1 = newOrder(alice.userId, { note: `alice ${kind}` });
            const b1 = newOrder(bob.userId, { note: `bob ${kind}` });
            await A.col.insert(a1);
            await B.col.insert(b1);
            await awaitConverged({ pool: env.pool, base: env.base, user: alice, clients: [A] });
            await awaitConverged({ pool: env.pool, base: env.base, user: bob, clients: [B] });
            assert.equal(await B.doc(a1.id), null, 'bob never sees an order of alice');
            assert.equal(await A.doc(b1.id), null, 'alice never sees an order of bob');
            await A.close();
            await B.close();
        }));
    }

    test('the realm signing key rotates mid-run: new tokens verify without a restart', withLogs(async () => {
        const alice = await keycloakUser('alice');
        const schema = await getSchema(env.base, alice.token);
        const A = await createClient({ kind: KINDS[0], base: env.base, token: alice.token, schema, label: 'rotation' });
        clients.push(A);
        await A.start();
        await A.col.insert(newOrder(alice.userId, { note: 'before rotation' }));
        await A.awaitInSync();

        await kc.rotateSigningKey();
        const rotated = await kc.login('alice');
        assert.notEqual(Keycloak.kidOf(rotated.access_token), Keycloak.kidOf(alice.token), 'Keycloak signs with the new key');
        A.setToken(rotated.access_token);
        const after = newOrder(alice.userId, { note: 'after rotation' });
        await A.col.insert(after);
        await waitFor(async () => (await serverOrders(env.pool, alice.userId)).some((o) => o.id === after.id),
            { what: 'the push signed by the rotated key', timeout: 10_000 });
        await env.pool.query(`UPDATE orders SET note = 'changed after rotation' WHERE id = $1`, [after.id]);
        await awaitDoc(A, after.id, (d) => d.note === 'changed after rotation', { what: 'a live change after rotation' });
        await A.close();
    }));

    test('a disabled user\'s token keeps working until it expires, and no new one is issued', withLogs(async () => {
        const carol = await keycloakUser('carol');
        const pull = () => http(env.base, 'GET', '/api/v1/sync/orders/0/pull?lwt=0&id=&limit=1', { token: carol.token });
        await kc.setEnabled('carol', false);
        try {
            await assert.rejects(kc.login('carol'), /token endpoint 400/, 'a disabled user gets no new token');
            assert.equal((await pull()).status, 200, 'a JWT is valid until it expires');
            const exp = Keycloak.claimsOf(carol.token).exp * 1000;
            await sleep(Math.max(0, exp - Date.now()) + 500);
            const expired = await pull();
            assert.equal(expired.status, 401, expired.text);
            assert.equal(expired.body.error, true);
        } finally {
            await kc.setEnabled('carol', true);
        }
    }));

    test('clients renewing their token lose no change across expiries (the stream closes and reopens)', withLogs(async () => {
        const alice = await keycloakUser('alice');
        const schema = await getSchema(env.base, alice.token);
        let tokens = alice.tokens;
        const live = [];
        for (const kind of KINDS) {
            const c = await createClient({ kind, base: env.base, token: tokens.access_token, schema, label: `renew-${kind}` });
            clients.push(c);
            live.push(c);
            await c.start();
        }
        // renew 5 s before each expiry, as oidc-client-ts' automatic silent renew does
        let renewals = 0;
        let stop = false;
        const renewer = (async () => {
            while (!stop) {
                const exp = Keycloak.claimsOf(tokens.access_token).exp * 1000;
                await sleep(Math.max(0, exp - Date.now() - 5000));
                if (stop) break;
                tokens = await kc.refresh(tokens);
                renewals++;
                for (const c of live) c.setToken(tokens.access_token);
            }
        })();
        // changes by another writer all along, across at least two expiries of the stream's token
        const written = [];
        const until = Date.now() + 45_000;
        while (Date.now() < until) {
            const o = newOrder(alice.userId, { note: `server write ${written.length}` });
            await env.pool.query(
                `INSERT INTO orders (id, user_id, status, total_cents, currency, note) VALUES ($1, $2, $3, $4, $5, $6)`,
                [o.id, o.userId, o.status, o.totalCents, o.currency, o.note]);
            written.push(o.id);
            await sleep(700);
        }
        stop = true;
        await renewer.catch(() => {});
        assert.ok(renewals >= 2, `the token was renewed ${renewals} times`);
        await awaitConverged({ pool: env.pool, base: env.base, user: { ...alice, token: tokens.access_token }, clients: live },
            { timeout: 20_000 });
        for (const c of live) {
            for (const id of written) assert.ok(await c.doc(id), `${c.label} has ${id}`);
        }
        for (const c of live) await c.close();
    }));
});

describe('the web app with Keycloak', { skip }, () => {
    test('logs in on Keycloak\'s page, syncs, renews its token silently with the stream live, logs out',
        { skip: !haveChromium && !process.env.CI && `no Chromium at ${CHROMIUM}` }, withLogs(async () => {
            assert.ok(haveChromium, `no Chromium at ${CHROMIUM}`);
            const browser = await chromium.launch({
                executablePath: CHROMIUM,
                headless: true,
                args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
            });
            try {
                const page = await (await browser.newContext()).newPage();
                const pageErrors = [];
                page.on('pageerror', (e) => pageErrors.push(e.message));
                await page.goto(`${env.base}/`);
                await page.click('#oidc-login');
                await page.waitForURL(`${kc.base}/**`);
                await page.fill('#username', 'bob');
                await page.fill('#password', 'bob-password');
                await page.click('#kc-login');
                await page.waitForSelector('#app:not([hidden])');
                const session = () => page.evaluate(() => JSON.parse(localStorage.getItem('rxsync.session')));
                const first = await session();
                const bob = await keycloakUser('bob');
                assert.equal(first.userId, bob.userId, 'the app knows the account rxsync gave the Keycloak user');
                assert.equal(first.external, true);
                assert.equal(await page.textContent('#account-email'), 'bob@example.test');

                await page.fill('#order-form input[name=amount]', '12.50');
                await page.fill('#order-form input[name=currency]', 'EUR');
                await page.fill('#order-form textarea[name=note]', 'from the browser');
                await page.click('#order-save');
                const created = await waitFor(async () => (await serverOrders(env.pool, bob.userId))
                    .find((o) => o.note === 'from the browser'), { what: 'the order pushed with the Keycloak token' });

                // two silent renewals (20-second tokens), each followed by a live change from the server
                let token = first.token;
                for (let round = 1; round <= 2; round++) {
                    const renewed = await waitFor(async () => {
                        const now = (await session()).token;
                        return now !== token ? now : null;
                    }, { what: `silent renewal ${round}`, timeout: 30_000 });
                    assert.notEqual(Keycloak.claimsOf(renewed).exp, Keycloak.claimsOf(token).exp);
                    token = renewed;
                    const note = `changed on the server after renewal ${round}`;
                    await env.pool.query('UPDATE orders SET note = $1 WHERE id = $2', [note, created.id]);
                    await page.waitForSelector(`#orders li[data-order-id="${created.id}"] [data-field=note]:text-is("${note}")`,
                        { timeout: 15_000 });
                    assert.equal(await page.getAttribute('#sync', 'data-state'), 'online');
                }
                // past the first token's expiry the app is still in sync (the stream was never refused)
                assert.ok(Date.now() > Keycloak.claimsOf(first.token).exp * 1000);

                await page.click('#logout');
                await page.waitForURL(`${env.base}/**`);
                await page.waitForSelector('#auth:not([hidden])');
                assert.equal(await page.evaluate(() => localStorage.getItem('rxsync.session')), null);
                assert.deepStrictEqual(pageErrors, []);
            } finally {
                await browser.close();
            }
        }));
});
