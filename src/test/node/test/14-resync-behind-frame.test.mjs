// Scenario 14: a catch-up request (RESYNC) that RxDB's downstream finds queued behind a
// stream frame. rxdb 15 and 17 drop it (see requestResync in lib/client-core.mjs): the
// client then takes the new stream's first frame as its checkpoint and never pulls the
// changes committed while it had no stream, which the convergence load test with stream
// cycles showed as a stale document that even a restart does not mend (issue 12).
//
// No server here: the replication's own pull handler is the master, so that the queue can
// be held deterministically. The old stream's catch-up pull hangs; meanwhile a frame
// arrives and the stream reopens (RESYNC); then the pull returns. A RESYNC that is run
// shows as one more pull.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import v15 from '../clients-v15/index.mjs';
import v17 from '../clients-v17/index.mjs';
import { requestResync } from '../lib/client-core.mjs';
import { waitFor } from '../lib/harness.mjs';

const schema = {
    version: 0,
    primaryKey: 'id',
    type: 'object',
    properties: { id: { type: 'string', maxLength: 100 }, note: { type: 'string' } },
    required: ['id'],
};
let dbCounter = 0;

/** Runs the scenario with `resync` as the stream's reopen; returns the checkpoints pulled from. */
async function pullsAfterReopen({ deps }, resync) {
    const db = await deps.createRxDatabase({
        name: `resyncbehindframe${deps.version}x${++dbCounter}x${process.pid}`,
        storage: deps.getRxStorageMemory(),
        multiInstance: false,
    });
    try {
        const { docs } = await db.addCollections({ docs: { schema } });
        const stream$ = new deps.Subject();
        const pulls = [];
        let release = null;
        const rep = deps.replicateRxCollection({
            collection: docs,
            replicationIdentifier: 'resync-behind-frame',
            live: true,
            retryTime: 100,
            waitForLeadership: false,
            push: { handler: async () => [] }, // as the real clients (nothing is written here)
            pull: {
                batchSize: 10,
                stream$: stream$.asObservable(),
                async handler(checkpoint) {
                    pulls.push(checkpoint ?? null);
                    if (pulls.length === 2) await new Promise((resolve) => { release = resolve; });
                    return { documents: [], checkpoint: checkpoint ?? null };
                },
            },
        });
        await rep.awaitInitialReplication(); // pull 1
        stream$.next('RESYNC'); // the old stream opens: pull 2, which hangs
        await waitFor(() => release !== null, { timeout: 10_000, what: 'the second pull' });
        // a frame of the old stream, then the new stream's catch-up request, both queued
        // (RxDB's stream$ handling lets a RESYNC overtake a frame sent just before it, so the
        // RESYNC goes once the frame is in the queue: in the load test they are far apart)
        const queued = () => rep.internalReplicationState.stats.down.addNewTask;
        const before = queued();
        stream$.next({ documents: [{ id: 'a', note: 'from a frame', _deleted: false }], checkpoint: { frame: 1 } });
        await waitFor(() => queued() > before, { timeout: 10_000, what: 'the frame in the queue' });
        resync(stream$);
        release();
        await waitFor(async () => (await docs.findOne('a').exec()) !== null, { timeout: 10_000, what: 'the frame' });
        await rep.awaitInSync();
        await rep.cancel();
        return pulls;
    } finally {
        await db.remove();
    }
}

for (const factory of [v15, v17]) {
    describe(`rxdb ${factory.version}: a RESYNC queued behind a stream frame`, () => {
        test('one RESYNC is dropped by RxDB (why requestResync sends two): no pull follows the frame', async () => {
            const pulls = await pullsAfterReopen(factory, (stream$) => stream$.next('RESYNC'));
            assert.equal(pulls.length, 2, `RxDB ran the RESYNC after all (pulls from ${JSON.stringify(pulls)}): `
                + 'requestResync may go back to one');
        });

        test('requestResync is run: a pull follows, from the frame\'s checkpoint', async () => {
            const pulls = await pullsAfterReopen(factory, requestResync);
            assert.deepEqual(pulls.slice(2), [{ frame: 1 }], `pulls from ${JSON.stringify(pulls)}`);
        });
    });
}
