// Shared lists (the scopes issue, 14; fixture V1001__shared_lists.sql): what a user may see,
// computed as the table owner straight from the tables, and the changes an administrator
// makes in SQL (grants, revokes, rows written outside any client). Used by scenarios 22
// and 23.
import assert from 'node:assert/strict';
import { byId, fullPull, waitFor } from './harness.mjs';

export const FIXTURE = 'V1001__shared_lists.sql';

export const SHARED = ['lists', 'list_items', 'list_members'];

// rows as clients see them: the declared columns, camelCase, without the replication columns
const VIEW_SQL = {
    lists: `SELECT l.id::text AS id, l.name
              FROM lists l
             WHERE NOT l.deleted
               AND EXISTS (SELECT 1 FROM list_members m
                            WHERE m.list_id = l.id AND m.user_id = $1 AND NOT m.deleted)`,
    list_items: `SELECT i.id::text AS id, i.list_id::text AS "listId", i.title, i.done
                   FROM list_items i JOIN lists l ON l.id = i.list_id
                  WHERE NOT i.deleted AND NOT l.deleted
                    AND EXISTS (SELECT 1 FROM list_members m
                                 WHERE m.list_id = i.list_id AND m.user_id = $1 AND NOT m.deleted)`,
    list_members: `SELECT o.id::text AS id, o.list_id::text AS "listId", o.user_id::text AS "userId", o.role
                     FROM list_members o
                    WHERE NOT o.deleted
                      AND EXISTS (SELECT 1 FROM list_members m
                                   WHERE m.list_id = o.list_id AND m.user_id = $1 AND NOT m.deleted)`,
};

/** The live rows of `collection` in `userId`'s view now, as documents, by id. */
export async function viewOf(pool, collection, userId) {
    const { rows } = await pool.query(VIEW_SQL[collection], [userId]);
    return rows.map((r) => ({ ...r })).sort(byId);
}

/**
 * Asserts that each of the user's clients (one per collection, `clients[collection]`)
 * shows exactly the user's view, nothing missing and nothing extra, and that a full pull
 * over HTTP shows the same live rows.
 */
export async function assertView({ pool, base, user, clients }) {
    for (const [collection, c] of Object.entries(clients)) {
        const want = await viewOf(pool, collection, user.userId);
        const pulled = (await fullPull(base, user.token, collection)).docs
            .filter((d) => !d._deleted).map(({ _deleted, ...rest }) => rest);
        assert.deepStrictEqual(pulled, want, `${user.label}: a full pull of ${collection} must equal the view`);
        assert.deepStrictEqual(await c.docs(), want,
            `${c.label} (${c.kind}): the local ${collection} must equal ${user.label}'s view`);
    }
}

/** Polls until assertView passes; throws its diff when it does not within `timeout`. */
export async function awaitView(args, { timeout = 20_000 } = {}) {
    try {
        await waitFor(async () => { await assertView(args); return true; }, { timeout, interval: 200, what: 'the view' });
    } catch {
        // once more, so that the failure shows the assertion's diff
    }
    await assertView(args);
}

// ---------------------------------------------------------------------------------------
// an administrator's SQL, as the table owner (no caller declared)
export async function createList(pool, name) {
    const id = crypto.randomUUID();
    await pool.query('INSERT INTO lists (id, name) VALUES ($1, $2)', [id, name]);
    return id;
}

export async function addItem(pool, listId, title, done = false) {
    const id = crypto.randomUUID();
    await pool.query('INSERT INTO list_items (id, list_id, title, done) VALUES ($1, $2, $3, $4)', [id, listId, title, done]);
    return id;
}

/** Grants (or re-grants: the same row, deleted = false) `userId` membership of `listId`. */
export function grantSql(listId, userId, role = 'editor') {
    return {
        text: `INSERT INTO list_members (list_id, user_id, role) VALUES ($1, $2, $3)
               ON CONFLICT (list_id, user_id) DO UPDATE SET deleted = false, role = EXCLUDED.role`,
        values: [listId, userId, role],
    };
}

/** Revokes: the membership row becomes a tombstone (stamped), never a hard delete. */
export function revokeSql(listId, userId) {
    return { text: 'UPDATE list_members SET deleted = true WHERE list_id = $1 AND user_id = $2', values: [listId, userId] };
}

export async function grant(pool, listId, userId, role = 'editor') {
    const q = grantSql(listId, userId, role);
    await pool.query(q.text, q.values);
}

export async function revoke(pool, listId, userId) {
    const q = revokeSql(listId, userId);
    const res = await pool.query(q.text, q.values);
    assert.equal(res.rowCount, 1, `revoke ${userId} from ${listId}: no membership`);
}
