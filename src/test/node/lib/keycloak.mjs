// A real Keycloak (keycloak-quarkus-dist, unpacked by Maven into target/keycloak) for the
// tests of external identity providers: started in dev mode on a free loopback port with
// the realm of src/test/keycloak/rxsync-realm.json, on the second JDK (Keycloak needs 21+;
// the project stays on 17). One start per test file that needs it (about a minute); the
// process is always killed at exit, like the servers.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, LOG_DIR, realFetch, waitFor } from './harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const KEYCLOAK_HOME = process.env.RXSYNC_KEYCLOAK_HOME
    ?? path.join(ROOT, 'target/keycloak/keycloak-26.7.3');
export const KEYCLOAK_JAVA_HOME = process.env.RXSYNC_KEYCLOAK_JAVA_HOME ?? '/usr/lib/jvm/temurin-25-jdk-amd64';
const REALM_FILE = path.join(ROOT, 'src/test/keycloak/rxsync-realm.json');
export const REALM = 'rxsync';
export const CLIENT_ID = 'rxsync-web';
export const AUDIENCE = 'rxsync';
const ADMIN = { username: 'admin', password: 'admin-password' };

const running = new Set();
process.on('exit', () => {
    for (const proc of running) {
        try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ }
    }
});

export function keycloakAvailable() {
    return fs.existsSync(path.join(KEYCLOAK_HOME, 'bin/kc.sh')) && fs.existsSync(path.join(KEYCLOAK_JAVA_HOME, 'bin/java'));
}

export class Keycloak {
    static async start({ timeout = 600_000 } = {}) {
        const kc = new Keycloak(await freePort());
        await kc.#start(timeout);
        return kc;
    }

    constructor(port) {
        this.port = port;
        this.base = `http://127.0.0.1:${port}`;
        this.issuer = `${this.base}/realms/${REALM}`;
        this.logFile = path.join(LOG_DIR, `keycloak-${port}.log`);
    }

    async #start(timeout) {
        // a fresh dev database each run (H2 files under data/), then the realm imported
        const data = path.join(KEYCLOAK_HOME, 'data');
        fs.rmSync(data, { recursive: true, force: true });
        fs.mkdirSync(path.join(data, 'import'), { recursive: true });
        fs.copyFileSync(REALM_FILE, path.join(data, 'import', 'rxsync-realm.json'));
        fs.mkdirSync(LOG_DIR, { recursive: true });
        const log = fs.openSync(this.logFile, 'a');
        this.proc = spawn(path.join(KEYCLOAK_HOME, 'bin/kc.sh'), [
            'start-dev', '--import-realm', `--http-port=${this.port}`, '--http-host=127.0.0.1',
            '--hostname-strict=false', `--http-management-port=${await freePort()}`,
        ], {
            stdio: ['ignore', log, log],
            detached: true, // its own process group: kc.sh starts java as a child
            env: {
                ...process.env,
                JAVA_HOME: KEYCLOAK_JAVA_HOME,
                PATH: `${KEYCLOAK_JAVA_HOME}/bin:${process.env.PATH}`,
                KC_BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
                KC_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
                JAVA_OPTS_KC_HEAP: '-Xms64m -Xmx512m',
            },
        });
        fs.closeSync(log);
        running.add(this.proc);
        this.exited = new Promise((resolve) => this.proc.once('exit', (code, sig) => {
            running.delete(this.proc);
            resolve({ code, sig });
        }));
        let early = null;
        this.exited.then((r) => { early = r; });
        await waitFor(async () => {
            if (early) throw new Error(`Keycloak exited during start-up: ${JSON.stringify(early)}\n${this.logTail()}`);
            const res = await realFetch(`${this.issuer}/.well-known/openid-configuration`).catch(() => null);
            return res && res.status === 200;
        }, { timeout, interval: 500, what: 'Keycloak ready' });
    }

    async stop() {
        const proc = this.proc;
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
        try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* gone */ }
        const t = setTimeout(() => { try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
        await this.exited;
        clearTimeout(t);
    }

    logTail(lines = 40) {
        try {
            return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
        } catch {
            return '(no log)';
        }
    }

    /** The settings that make an rxsync server accept this realm's tokens. */
    serverProps(extra = {}) {
        return {
            'rxsync.oidc.issuer': this.issuer,
            'rxsync.oidc.audience': AUDIENCE,
            'rxsync.oidc.groups-claim': 'groups',
            'rxsync.oidc.jwks-min-refresh-interval': 'PT1S',
            ...extra,
        };
    }

    /** A user's tokens by the password grant of the public client (the web app logs in on Keycloak's page instead). */
    async login(username, password = `${username}-password`) {
        return this.#token({ grant_type: 'password', client_id: CLIENT_ID, username, password, scope: 'openid' });
    }

    /** New tokens from a refresh token, as a client renews before expiry. */
    async refresh(tokens) {
        return this.#token({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: tokens.refresh_token });
    }

    async #token(form) {
        const res = await realFetch(`${this.issuer}/protocol/openid-connect/token`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams(form),
        });
        const body = await res.json();
        if (res.status !== 200) throw Object.assign(new Error(`token endpoint ${res.status}: ${JSON.stringify(body)}`), { status: res.status, body });
        return body;
    }

    async #admin(method, urlPath, body) {
        if (!this.adminToken || this.adminTokenExp < Date.now() + 5000) {
            const res = await realFetch(`${this.base}/realms/master/protocol/openid-connect/token`, {
                method: 'POST',
                headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
                body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', ...ADMIN }),
            });
            const t = await res.json();
            this.adminToken = t.access_token;
            this.adminTokenExp = Date.now() + t.expires_in * 1000;
        }
        const res = await realFetch(`${this.base}/admin/realms/${REALM}${urlPath}`, {
            method,
            headers: { Authorization: `Bearer ${this.adminToken}`, 'Content-Type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        if (res.status >= 300) throw new Error(`admin ${method} ${urlPath}: ${res.status} ${await res.text()}`);
        return res.status === 204 || res.status === 201 ? null : res.json();
    }

    /** Enables or disables a user, as an administrator does in the console. */
    async setEnabled(username, enabled) {
        const [user] = await this.#admin('GET', `/users?exact=true&username=${encodeURIComponent(username)}`);
        await this.#admin('PUT', `/users/${user.id}`, { ...user, enabled });
    }

    /**
     * Rotates the realm's signing key: a new RSA key provider with a higher priority signs
     * every token from now on (Keycloak's own rotation procedure); the old key stays
     * published for the tokens already out.
     */
    async rotateSigningKey() {
        const realm = await this.#admin('GET', '');
        await this.#admin('POST', '/components', {
            name: `rotated-${Date.now()}`,
            providerId: 'rsa-generated',
            providerType: 'org.keycloak.keys.KeyProvider',
            parentId: realm.id,
            config: { priority: [String(Date.now())], enabled: ['true'], active: ['true'], algorithm: ['RS256'] },
        });
    }

    /** The key id a token was signed with. */
    static kidOf(token) {
        return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid;
    }

    static claimsOf(token) {
        return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    }
}
