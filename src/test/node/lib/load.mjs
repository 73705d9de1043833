// Pieces of the convergence load tests (21: owner scope, 23: shared lists).
import assert from 'node:assert/strict';

/** mulberry32: a small seeded generator, so that a run's choices can be replayed. */
export function prng(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6D2B79F5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** JSON with sorted keys: two documents are the same write when their canon is. */
export function canon(doc) {
    return JSON.stringify(doc, (k, v) => (v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
}

/** Every accepted write is the server's final state or the assumed state of another accepted write. */
export function assertNothingAcceptedIsLost(serverRows, accepted) {
    const finalById = new Map(serverRows.map((d) => [d.id, canon(d)]));
    const builtOn = new Map();
    for (const w of accepted) {
        if (!w.assumed) continue;
        if (!builtOn.has(w.id)) builtOn.set(w.id, new Set());
        builtOn.get(w.id).add(canon(w.assumed));
    }
    let superseded = 0;
    for (const w of accepted) {
        const final = finalById.get(w.id);
        assert.ok(final, `accepted write of ${w.id} has no row on the server`);
        const doc = canon(w.doc);
        if (doc === final) continue;
        assert.ok(builtOn.get(w.id)?.has(doc),
            `accepted write ${doc} was neither kept nor superseded by a later accepted write; server has ${final}`);
        superseded++;
    }
    return superseded;
}
