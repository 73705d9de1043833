package io.rxsync.replication;

/**
 * A row of a pull page or a change-pump window as PostgreSQL sent it: the column texts the
 * document is written from ({@link PageJson}), with no tree built in between.
 *
 * @param ownerId the routing key of its scope (the owning user's id) in a pump window; null in a
 *                pull page, which holds only the caller's rows
 * @param xid     the {@code change_xid} of its last write: its position, with the id, in replication order
 * @param values  the text of each field, aligned with {@link ReplicatedCollection#fields()}; null for absent
 * @param deleted the tombstone flag
 * @param leaving the row left the view of the user it goes to (a members scope): it is sent as
 *                the leaving document ({@link DocumentRules#leavingDocument}), never with its values
 */
public record ChangedRow(String id, String ownerId, long xid, String[] values, boolean deleted, boolean leaving) {

    public ChangedRow(String id, String ownerId, long xid, String[] values, boolean deleted) {
        this(id, ownerId, xid, values, deleted, false);
    }

    /** A row that left its user's view: only its id and position go out. */
    public static ChangedRow leaving(String id, String ownerId, long xid) {
        return new ChangedRow(id, ownerId, xid, null, true, true);
    }

    public Checkpoint checkpoint() {
        return Checkpoint.of(xid, id);
    }
}
