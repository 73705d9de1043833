// A PostgreSQL cluster of the test's own, for fault tests that stop and start the database:
// the machine's shared cluster is never restarted. initdb into a temporary directory, on a
// free port, started and stopped with pg_ctl. PostgreSQL refuses to run as root, so as root
// (CI machines of this kind) the binaries run as the `postgres` OS user.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, LOG_DIR } from './harness.mjs';

const run = promisify(execFile);
const BIN = process.env.RXSYNC_PG_BIN || '/usr/lib/postgresql/15/bin';

export class PrivateCluster {
    static async create() {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxsync-pg-'));
        const cluster = new PrivateCluster(dir, await freePort());
        if (process.getuid && process.getuid() === 0) {
            fs.chownSync(dir, ...(await cluster.postgresIds()));
        }
        await cluster.exec('initdb', ['-D', path.join(dir, 'data'), '-U', 'postgres', '-A', 'trust',
            '--no-sync', '-E', 'UTF8', '--locale=C']);
        return cluster;
    }

    constructor(dir, port) {
        this.dir = dir;
        this.port = port;
        this.logFile = path.join(LOG_DIR, `private-pg-${port}.log`);
        /** Connection settings for the harness (startEnv's `pg`). */
        this.pg = { host: '127.0.0.1', port, user: 'postgres' };
    }

    async postgresIds() {
        const { stdout: uid } = await run('id', ['-u', 'postgres']);
        const { stdout: gid } = await run('id', ['-g', 'postgres']);
        return [Number(uid), Number(gid)];
    }

    /** Runs one PostgreSQL binary, as `postgres` when we are root. */
    async exec(tool, args) {
        const bin = path.join(BIN, tool);
        if (process.getuid && process.getuid() === 0) {
            return run('runuser', ['-u', 'postgres', '--', bin, ...args], { cwd: this.dir });
        }
        return run(bin, args, { cwd: this.dir });
    }

    async start() {
        fs.closeSync(fs.openSync(this.logFile, 'a'));
        if (process.getuid && process.getuid() === 0) fs.chownSync(this.logFile, ...(await this.postgresIds()));
        await this.exec('pg_ctl', ['-D', path.join(this.dir, 'data'), '-l', this.logFile, '-w', '-t', '60',
            '-o', `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off`, 'start']);
    }

    /** Stops it the way a crash-free restart does: clients are disconnected at once. */
    async stop() {
        await this.exec('pg_ctl', ['-D', path.join(this.dir, 'data'), '-w', '-t', '60', '-m', 'fast', 'stop']);
    }

    async destroy() {
        await this.stop().catch(() => {});
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
